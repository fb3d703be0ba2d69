import pino from 'pino';
import type { SinkRecord } from '../records';
import type { SinkTaskContext, SourceTaskContext } from '../tasks';
import type { InMemoryOffsetStore } from './offset-store';
import { InMemoryMetrics, InMemoryTopics } from './in-memory-topics';

const silent = pino({ level: 'silent' });

export function fakeSourceContext<C>(
  connector: string,
  config: C,
  offsets: InMemoryOffsetStore,
): SourceTaskContext<C> {
  return {
    connector,
    taskId: 0,
    config,
    log: silent,
    signal: new AbortController().signal,
    offsetFor: (partition) => offsets.offsetFor(partition),
    storedOffsets: () => offsets.all(),
  };
}

/** A sink context whose errant records are collected in `errant` instead of a DLQ. */
export function fakeSinkContext<C>(
  connector: string,
  config: C,
  errant: Array<{ record: SinkRecord; error: Error }>,
  topics: InMemoryTopics = new InMemoryTopics(),
  metrics: InMemoryMetrics = new InMemoryMetrics(),
): SinkTaskContext<C> {
  return {
    connector,
    taskId: 0,
    config,
    log: silent,
    signal: new AbortController().signal,
    reportErrant: async (record, error) => {
      errant.push({ record, error });
    },
    topics,
    metrics,
  };
}
