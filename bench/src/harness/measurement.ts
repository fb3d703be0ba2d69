/**
 * What every side-by-side benchmark scenario returns, so one run can put Tributary, its peers and the machine's
 * own limits in one table (as ratios: these machines are shared and noisy, absolutes swing up to 5x).
 */

/** Who was measured: Tributary, a peer broker, or the machine itself (disk, loopback). */
export type System = 'tributary' | 'redis-streams' | 'nats-jetstream' | 'machine';

export type Metric = 'msgs/s' | 'MB/s' | 'rows/s' | 'changes/s' | 'p50 ms' | 'p99 ms' | 'p999 ms';

export interface Measurement {
  /**
   * The scenario, named the same for every system measured in it so rows line up, e.g. `produce acks=1`,
   * `produce acks=all fsync`, `produce acks=all RF=3`, `consume`, `produce latency 5k/s acks=1`,
   * `end-to-end latency 5k/s`, `cdc snapshot`, `cdc streaming`, `commit->redis latency 1k/s`,
   * `sequential write fdatasync`, `loopback tcp`.
   */
  scenario: string;
  system: System;
  /** The client used: kcat, kafkajs, confluent-kafka-python, ioredis, nats.js, node fs, ... */
  client: string;
  /** Value size in bytes, or null where it does not apply. */
  size: number | null;
  metric: Metric;
  /** One value per repeat (a throughput, or a latency percentile of that repeat). */
  samples: number[];
  /** Peak RSS of the server process per repeat, in MB, when measured. */
  rssMb?: number[];
  /** Anything a reader needs to interpret the figure (settings, what was included). */
  note?: string;
}

/** Options every scenario module gets from the harness. */
export interface ScenarioOptions {
  /** Repeats per cell (min / median / max are reported). */
  repeats: number;
  /** Records per throughput run. */
  records: number;
  /** Value sizes in bytes, e.g. [100, 1024]. */
  sizes: number[];
  /** A scratch directory the scenario may use (deleted afterwards). */
  work: string;
  /** Progress lines go here (stderr), not to stdout. */
  log: (line: string) => void;
}

export type Scenario = (opts: ScenarioOptions) => Promise<Measurement[]>;

export interface Summary {
  min: number;
  median: number;
  max: number;
}

export function summarize(xs: readonly number[]): Summary {
  if (xs.length === 0) return { min: NaN, median: NaN, max: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]! };
}

/** Latency percentiles (ms) of one run's samples. */
export function percentiles(latenciesMs: number[]): { p50: number; p99: number; p999: number } {
  const s = Float64Array.from(latenciesMs).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}
