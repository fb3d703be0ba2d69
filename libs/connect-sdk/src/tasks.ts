import type { Logger } from 'pino';
import type {
  SinkRecord,
  SourceOffset,
  SourcePartition,
  SourcePosition,
  SourceRecord,
  TopicPartitionOffsets,
} from './records';

interface TaskContextBase<C> {
  readonly connector: string;
  readonly taskId: number;
  /** The connector's config after validation and defaults (one task's share of it when split). */
  readonly config: C;
  readonly log: Logger;
  /** Aborted when the task is being stopped; long waits inside the task should honour it. */
  readonly signal: AbortSignal;
}

export interface SourceTaskContext<C> extends TaskContextBase<C> {
  /** The last durable offset the framework holds for a source partition, or null if it has none. */
  offsetFor(partition: SourcePartition): SourceOffset | null;
  /** Every stored offset of this connector, for sources whose partitions are not known in advance. */
  storedOffsets(): readonly SourcePosition[];
}

/** An operator's request to a running task, sent with `POST /connectors/{name}/signals`. */
export interface TaskSignal {
  /** e.g. `execute-snapshot`. */
  type: string;
  data?: Record<string, unknown>;
}

/** Optional task hooks the framework surfaces through REST. */
interface TaskExtras {
  /** Live details for `GET /connectors/{name}/status` (progress, counts, upstream health), under `details`. */
  status?(): Record<string, unknown>;
  /** Handles a signal; returns what to report back. Throw a ConnectorError for a signal the task rejects. */
  signal?(signal: TaskSignal): Promise<Record<string, unknown>>;
}

/**
 * A source task reads from the outside world. The framework owns offsets: it sends the records, waits for the
 * brokers to ack them, writes the offsets durably, and only then calls `commit` so the task may release the
 * upstream position (e.g. confirm an LSN). A task never persists its own position.
 */
export interface SourceTask<C> extends TaskExtras {
  start(ctx: SourceTaskContext<C>): Promise<void>;
  /** Next records, in order; may wait briefly (about a second) and return [] when there is nothing new. */
  poll(signal: AbortSignal): Promise<SourceRecord[]>;
  /** Called with the latest position per source partition whose records are acked and whose offsets are durable. */
  commit?(acked: readonly SourcePosition[]): Promise<void>;
  stop(): Promise<void>;
}

export interface SinkTaskContext<C> extends TaskContextBase<C> {
  /**
   * Hands a record the target rejected for good (a 4xx, a mapping error) to the connector's `errors` policy:
   * the DLQ with `tolerance: all`, a task failure with `none`. Never skip a record silently.
   */
  reportErrant(record: SinkRecord, error: Error): Promise<void>;
  /** Topics on the worker's own cluster, for sinks that keep state in Kafka or write results back. */
  readonly topics: TopicAccess;
  /** Gauges on the worker's `/metrics`, labelled with the connector and task. */
  readonly metrics: TaskMetrics;
}

/** A record a task writes to the worker's cluster: string key, JSON value (null = tombstone). */
export interface OutputRecord {
  topic: string;
  key: string | null;
  value: unknown;
  /** Epoch milliseconds; defaults to the time of the send. */
  timestamp?: number;
}

/** A record read back from the worker's cluster: key as a string, value parsed as JSON (null = tombstone). */
export interface StoredRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: unknown;
}

/**
 * Kafka I/O the framework does for a task, through the worker's client: the task never holds a client of its
 * own, so brokers, retries and idempotence are configured in one place.
 */
export interface TopicAccess {
  /** Creates the topic when it does not exist yet. */
  ensure(topic: string, opts: { partitions: number; compacted: boolean }): Promise<void>;
  /** The topic's partition count. */
  partitions(topic: string): Promise<number>;
  /** Reads the topic from the beginning to the end it had when the call started, in order per partition. */
  readAll(topic: string, onRecord: (r: StoredRecord) => void): Promise<void>;
  /** Writes with acks=all and resolves once every record is acknowledged. */
  send(records: readonly OutputRecord[]): Promise<void>;
}

/** One sample of a task gauge: extra labels (besides connector and task) and the value. */
export interface GaugeSample {
  labels: Record<string, string>;
  value: number;
}

export interface TaskMetrics {
  /**
   * Publishes a gauge, read at each scrape through `collect`, until the task stops. Tasks of different
   * connectors may publish the same name; `labelNames` must then be the same.
   */
  gauge(spec: {
    name: string;
    help: string;
    labelNames: readonly string[];
    collect: () => GaugeSample[];
  }): void;
}

/**
 * A sink task writes to the outside world. `put` may buffer; `flush` returns once the target has acknowledged
 * everything put so far. The framework commits consumer offsets only after `flush` resolved, so a sink must be
 * idempotent on replay (records after the last commit are delivered again after a crash).
 */
export interface SinkTask<C> extends TaskExtras {
  start(ctx: SinkTaskContext<C>): Promise<void>;
  put(records: readonly SinkRecord[]): Promise<void>;
  /** `offsets` is the next offset per topic partition covered by this flush. */
  flush(offsets: TopicPartitionOffsets): Promise<void>;
  stop(): Promise<void>;
}
