import type { RecordHeaders } from '@tributary/connect-sdk';

/**
 * A connector as declared in a pipeline file (or through REST), after interpolation and validation. This is
 * what the runtime runs; two specs that compare equal (see `specFingerprint`) need no restart on reload.
 */
export interface ConnectorSpec {
  name: string;
  /** The plugin name, e.g. `file-source`. */
  type: string;
  kind: 'source' | 'sink';
  /** Sinks: topics to consume (either `topics` or `topicsRegex`). Empty for sources. */
  topics: string[];
  topicsRegex: string | null;
  /** Validated by the plugin's config spec, defaults applied. */
  config: Record<string, unknown>;
  transforms: TransformSpec[];
  errors: ErrorPolicy;
  restart: RestartPolicy;
  tasksMax: number;
  /** How keys and values become bytes (sources) and back (sinks). */
  converter: { key: ConverterKind; value: ConverterKind };
  /** A RUNNING task with work pending that makes no progress for this long is reported STALLED. */
  stallTimeoutMs: number;
  /** The state a newly created connector starts in. */
  initialState: 'RUNNING' | 'PAUSED' | 'STOPPED';
  /** Where it was declared: a pipeline file (line of its `- name:` entry) or `rest`. */
  origin: { file: string; line: number } | { rest: true };
}

/** json: objects/strings as JSON text (sinks parse JSON); string: strings as raw UTF-8 (sinks get strings). */
export type ConverterKind = 'json' | 'string';

export interface TransformSpec {
  /** e.g. `filter`, `rename`, `drop`, `mask`, `route`, `extract-key`, `insert-field`. */
  type: string;
  /** The transform's own options, validated by its schema. */
  options: Record<string, unknown>;
}

export interface ErrorPolicy {
  /** none: the first failed record fails the task. all: failed records go to the DLQ (or are logged) and the pipeline goes on. */
  tolerance: 'none' | 'all';
  /** How long a RetriableError is retried with backoff before the record counts as failed (0 = no retries). */
  retryTimeoutMs: number;
  /** Backoff cap between retries. */
  retryDelayMaxMs: number;
  /** Dead letter queue topic, or null (with tolerance all, failures are then only logged and counted). */
  dlqTopic: string | null;
  /** Add `__connect.errors.*` headers naming the failure to DLQ records. */
  dlqContextHeaders: boolean;
  /** Log each failed record. */
  log: boolean;
}

export interface RestartPolicy {
  /** Restart FAILED tasks automatically. */
  auto: boolean;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Give up (stay FAILED) after this many consecutive failed restarts; 0 = never give up. */
  maxAttempts: number;
}

/** A record as transforms see it (both directions). */
export interface TransformRecord {
  topic: string;
  key: unknown;
  value: unknown;
  headers: RecordHeaders;
  timestamp?: number;
}

/** A configured transform instance. Returns the new record, or null to drop it. Throws on bad input. */
export interface Transform {
  readonly type: string;
  apply(record: TransformRecord): TransformRecord | null;
}

/** Settings of the worker itself (pipeline file `worker:` section, overridden by command-line flags). */
export interface WorkerSettings {
  /** Kafka bootstrap servers, host:port list. */
  bootstrap: string[];
  restHost: string;
  restPort: number;
  /** Internal compacted topics. */
  offsetsTopic: string;
  configsTopic: string;
  statusTopic: string;
  /** Replication factor for the internal and DLQ topics the worker creates. */
  replicationFactor: number;
  /** Consumer groups of sink connectors are `<groupPrefix><connector name>`. */
  groupPrefix: string;
  /** How often sources write offsets and sinks commit, at most. */
  offsetFlushIntervalMs: number;
}

/** A parsed, valid pipeline file. */
export interface PipelineFile {
  path: string;
  /** Settings given in the file; unset ones are left to flags and defaults. */
  worker: Partial<WorkerSettings>;
  /** The raw `broker:` section, for `tributary start` (broker settings by their Kafka names). */
  broker: Record<string, unknown>;
  connectors: ConnectorSpec[];
}

/** One problem in a pipeline file, located. */
export interface PipelineProblem {
  file: string;
  line: number;
  col: number;
  /** Dotted key path, e.g. `connectors[1].config.paths`. */
  key: string;
  message: string;
}
