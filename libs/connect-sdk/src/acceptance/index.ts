/**
 * Connector acceptance suites (jest): import from `@tributary/connect-sdk/acceptance` in a connector's spec.
 * Not part of the runtime SDK barrel, since it registers jest blocks.
 */
export { describeSourceAcceptance } from './source-acceptance';
export { describeSinkAcceptance, sinkRecords, nextOffsets } from './sink-acceptance';
export { InMemoryOffsetStore } from './offset-store';
export { startSource, type DrivenSource } from './source-driver';
export { fakeSourceContext, fakeSinkContext } from './fake-context';
export { InMemoryTopics, InMemoryMetrics } from './in-memory-topics';
export type { BadConfig, SinkFixture, SourceFixture } from './fixtures';
