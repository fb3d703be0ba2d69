import type { SinkRecord } from '../records';
import type { InMemoryTopics } from './in-memory-topics';

/** A config the connector must reject, and what the problem message must say. */
export interface BadConfig {
  config: Record<string, unknown>;
  expect: RegExp;
}

export interface SourceFixture {
  /** A valid config reading the input written into `dir`. */
  config(dir: string): Record<string, unknown>;
  /** Produces `n` new input items in `dir`, each distinct from every item produced before. */
  writeInput(dir: string, n: number): Promise<void> | void;
  badConfigs: BadConfig[];
}

export interface SinkFixture {
  /** A valid config writing its output into `dir`. */
  config(dir: string): Record<string, unknown>;
  /**
   * What the sink wrote, in order: from `dir`, or from `topics` for sinks that write to the worker's cluster
   * (the suite's in-memory topics, shared by every task of one test).
   */
  readOutput(dir: string, topics: InMemoryTopics): Promise<unknown[]> | unknown[];
  /** Input records `from`..`to-1`, for sinks that need records of their own shape; default `sinkRecords`. */
  records?(from: number, to: number): SinkRecord[];
  /** The output these records give when each is applied once; default their values. */
  expectedOutput?(records: readonly SinkRecord[]): unknown[];
  badConfigs: BadConfig[];
}
