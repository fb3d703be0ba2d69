import { ConfigError } from '@tributary/common';

export interface CoordinatorConfig {
  /** The metadata log and snapshot live in `<dataDir>/metadata`. */
  dataDir: string;
  host: string;
  port: number;
  /** A broker that has not heartbeated for this long is fenced and loses its leaderships. */
  leaseMs: number;
  /** What brokers are told to use; a few heartbeats fit in one lease. */
  heartbeatIntervalMs: number;
  /** Snapshot the metadata (and empty the log) every this many entries. */
  snapshotEvery: number;
  /** Entries kept in memory for brokers that fetch deltas; further behind means a snapshot. */
  retainEntries: number;
  /** Most entries in one metadata.fetch reply. */
  maxFetchEntries: number;
}

export const COORDINATOR_DEFAULTS = {
  host: '127.0.0.1',
  port: 9093,
  leaseMs: 10_000,
  heartbeatIntervalMs: 2_000,
  snapshotEvery: 1_000,
  retainEntries: 2_000,
  maxFetchEntries: 500,
} as const;

/** Fills defaults and checks every value; the heartbeat interval defaults to a fifth of the lease (at most 2 s). */
export function resolveCoordinatorConfig(
  input: Partial<CoordinatorConfig> & { dataDir: string },
): CoordinatorConfig {
  const leaseMs = input.leaseMs ?? COORDINATOR_DEFAULTS.leaseMs;
  const c: CoordinatorConfig = {
    host: input.host ?? COORDINATOR_DEFAULTS.host,
    port: input.port ?? COORDINATOR_DEFAULTS.port,
    leaseMs,
    heartbeatIntervalMs:
      input.heartbeatIntervalMs ??
      Math.max(10, Math.min(COORDINATOR_DEFAULTS.heartbeatIntervalMs, Math.floor(leaseMs / 5))),
    snapshotEvery: input.snapshotEvery ?? COORDINATOR_DEFAULTS.snapshotEvery,
    retainEntries: input.retainEntries ?? COORDINATOR_DEFAULTS.retainEntries,
    maxFetchEntries: input.maxFetchEntries ?? COORDINATOR_DEFAULTS.maxFetchEntries,
    dataDir: input.dataDir,
  };
  const problems: string[] = [];
  const int = (name: keyof CoordinatorConfig, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const v = c[name] as number;
    if (!Number.isInteger(v) || v < min || v > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}, got ${String(v)}`);
    }
  };
  if (!c.dataDir) problems.push('dataDir is required: the directory for the metadata log');
  int('port', 0, 65535);
  int('leaseMs', 100);
  int('heartbeatIntervalMs', 10);
  int('snapshotEvery', 1);
  int('retainEntries', 1);
  int('maxFetchEntries', 1);
  if (problems.length === 0 && c.heartbeatIntervalMs * 2 > c.leaseMs) {
    problems.push(
      `heartbeatIntervalMs (${c.heartbeatIntervalMs}) must be at most half of leaseMs (${c.leaseMs}) so one lost heartbeat does not fence a broker`,
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid coordinator settings: ${problems.join('; ')}`, problems);
  }
  return c;
}
