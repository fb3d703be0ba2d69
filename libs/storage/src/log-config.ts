export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

export interface LogConfig {
  /** Roll the active segment once it would exceed this many bytes (Kafka segment.bytes). */
  segmentBytes: number;
  /** Roll the active segment this long after its first append (segment.ms). */
  segmentMs: number;
  /** Delete whole segments whose newest timestamp is older than this; -1 keeps forever (retention.ms). */
  retentionMs: number;
  /** Delete the oldest segments while the log exceeds this size; -1 = no limit (retention.bytes). */
  retentionBytes: number;
  cleanupPolicy: CleanupPolicy;
  /** Bytes between sparse offset-index entries (index.interval.bytes). */
  indexIntervalBytes: number;
  /** When true every append schedules a group-commit round on its own (acks still await awaitDurable). */
  flushOnAppend?: boolean;
  /** How long compaction keeps tombstones (delete.retention.ms). */
  deleteRetentionMs: number;
  /** Compact only when dirty bytes / cleanable bytes reaches this (min.cleanable.dirty.ratio). */
  minCleanableDirtyRatio: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY_MS,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  indexIntervalBytes: 4096,
  flushOnAppend: false,
  deleteRetentionMs: DAY_MS,
  minCleanableDirtyRatio: 0.5,
});

/** Positions in .index entries are u32 and Kafka caps segment.bytes at Int32.MAX. */
const MAX_SEGMENT_BYTES = 0x7fff_ffff;
const CLEANUP_POLICIES: readonly CleanupPolicy[] = ['delete', 'compact', 'compact,delete'];

function parseInteger(key: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(
      `topic config ${key}=${JSON.stringify(raw)} is invalid: expected an integer from ${min} to ${max}`,
    );
  }
  return value;
}

function parseCleanupPolicy(raw: string): CleanupPolicy {
  const parts = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const set = new Set(parts);
  const valid = parts.length > 0 && [...set].every((p) => p === 'delete' || p === 'compact');
  if (!valid) {
    throw new Error(
      `topic config cleanup.policy=${JSON.stringify(raw)} is invalid: valid values are ${CLEANUP_POLICIES.join(' | ')}`,
    );
  }
  if (set.size === 2) return 'compact,delete';
  return set.has('compact') ? 'compact' : 'delete';
}

function parseRatio(key: string, raw: string): number {
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new Error(`topic config ${key}=${JSON.stringify(raw)} is invalid: expected a number from 0 to 1`);
  }
  return value;
}

type Parser = (key: string, raw: string) => Partial<LogConfig>;

const PARSERS: Record<string, Parser> = {
  'segment.bytes': (k, v) => ({ segmentBytes: parseInteger(k, v, 14, MAX_SEGMENT_BYTES) }),
  'segment.ms': (k, v) => ({ segmentMs: parseInteger(k, v, 1) }),
  'retention.ms': (k, v) => ({ retentionMs: parseInteger(k, v, -1) }),
  'retention.bytes': (k, v) => ({ retentionBytes: parseInteger(k, v, -1) }),
  'cleanup.policy': (_k, v) => ({ cleanupPolicy: parseCleanupPolicy(v) }),
  'index.interval.bytes': (k, v) => ({ indexIntervalBytes: parseInteger(k, v, 0, MAX_SEGMENT_BYTES) }),
  'delete.retention.ms': (k, v) => ({ deleteRetentionMs: parseInteger(k, v, 0) }),
  'min.cleanable.dirty.ratio': (k, v) => ({ minCleanableDirtyRatio: parseRatio(k, v) }),
};

/** The Kafka topic config names this log understands. */
export const LOG_CONFIG_KEYS: readonly string[] = Object.keys(PARSERS);

/**
 * Maps Kafka topic configs (as strings, e.g. from CreateTopics) onto a LogConfig over `base`.
 * Unknown keys and invalid values throw, naming the key and what is accepted.
 */
export function fromTopicConfigs(
  configs: Record<string, string>,
  base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG,
): LogConfig {
  const result: LogConfig = { ...base };
  for (const [key, raw] of Object.entries(configs)) {
    const parser = PARSERS[key];
    if (parser === undefined) {
      throw new Error(
        `unknown topic config ${JSON.stringify(key)}: supported keys are ${LOG_CONFIG_KEYS.join(', ')}`,
      );
    }
    Object.assign(result, parser(key, raw));
  }
  return result;
}

export const compacts = (config: LogConfig): boolean => config.cleanupPolicy !== 'delete';
export const deletes = (config: LogConfig): boolean => config.cleanupPolicy !== 'compact';
