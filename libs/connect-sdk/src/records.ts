/**
 * Records as connectors see them. Values are plain JSON-able data (objects, strings, numbers), a Buffer, or
 * null for a tombstone; the framework's converter turns them into bytes on the way to the brokers and back.
 */

/** Where a source record came from, e.g. `{ file: "<fingerprint>" }` or `{ slot: "orders" }`. */
export type SourcePartition = Readonly<Record<string, string | number>>;

/** How far into that partition, e.g. `{ position: 1234 }` or `{ lsn: "0/16B3748" }`. JSON-able. */
export type SourceOffset = Readonly<Record<string, unknown>>;

export type RecordHeaders = Record<string, string | Buffer>;

export interface SourceRecord {
  /** Destination topic; connectors usually take it from their config. */
  topic: string;
  key?: unknown;
  /** null is a tombstone. */
  value: unknown;
  headers?: RecordHeaders;
  /** Epoch milliseconds; defaults to the time of the send. */
  timestamp?: number;
  sourcePartition: SourcePartition;
  sourceOffset: SourceOffset;
  /**
   * Set when the input at this position could not be turned into a record (e.g. an unparsable JSON line). The
   * framework routes it through the connector's `errors` policy (DLQ or task failure) and still advances past
   * it, so one bad line never stalls the pipeline when `tolerance: all`.
   */
  failure?: Error;
}

export interface SinkRecord {
  topic: string;
  partition: number;
  /** The record's offset in its topic partition. */
  offset: number;
  key: unknown;
  /** null is a tombstone. */
  value: unknown;
  headers: RecordHeaders;
  timestamp: number;
}

/** One source partition's position as stored by the framework. */
export interface SourcePosition {
  partition: SourcePartition;
  offset: SourceOffset;
}

/** Next offset to read per topic partition, as a sink's flush receives it. */
export type TopicPartitionOffsets = ReadonlyMap<string, { topic: string; partition: number; offset: number }>;
