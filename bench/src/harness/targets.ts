import { summarize, type Measurement, type Metric } from './measurement';

/** One of the targets for this 2-core machine, checked against a median of the run. */
export interface Target {
  label: string;
  scenario: string;
  size: number | null;
  metric: Metric;
  /** The median must be at least (throughput) or at most (latency, RSS) this. */
  bound: number;
  kind: 'min' | 'max';
  /** Which client's row counts (the fastest real client for the broker figures). */
  client?: string;
  /** Compare against this peer's median times `bound` instead of an absolute bound. */
  peer?: 'redis-streams';
}

const MB = 'MB/s' as const;
export const TARGETS: Target[] = [
  {
    label: 'produce acks=1, 100 B',
    scenario: 'produce acks=1',
    size: 100,
    metric: 'msgs/s',
    bound: 600_000,
    kind: 'min',
    client: 'kcat',
  },
  {
    label: 'produce acks=1, 1 KiB',
    scenario: 'produce acks=1',
    size: 1024,
    metric: MB,
    bound: 300,
    kind: 'min',
    client: 'kcat',
  },
  {
    label: 'produce acks=1, 100 B, vs Redis Streams',
    scenario: 'produce acks=1',
    size: 100,
    metric: 'msgs/s',
    bound: 2,
    kind: 'min',
    client: 'kcat',
    peer: 'redis-streams',
  },
  {
    label: 'produce acks=1, 1 KiB, vs Redis Streams',
    scenario: 'produce acks=1',
    size: 1024,
    metric: MB,
    bound: 2,
    kind: 'min',
    client: 'kcat',
    peer: 'redis-streams',
  },
  {
    label: 'consume, 100 B',
    scenario: 'consume',
    size: 100,
    metric: 'msgs/s',
    bound: 1_000_000,
    kind: 'min',
    client: 'kcat',
  },
  {
    label: 'consume, 1 KiB',
    scenario: 'consume',
    size: 1024,
    metric: MB,
    bound: 600,
    kind: 'min',
    client: 'kcat',
  },
  {
    label: 'acks=all + fsync, 100 B',
    scenario: 'produce acks=all fsync',
    size: 100,
    metric: 'msgs/s',
    bound: 150_000,
    kind: 'min',
    client: 'kcat',
  },
  {
    label: 'acks=all + fsync, 1 KiB',
    scenario: 'produce acks=all fsync',
    size: 1024,
    metric: MB,
    bound: 100,
    kind: 'min',
    client: 'kcat',
  },
  {
    label: 'acks=all RF=3, 100 B',
    scenario: 'produce acks=all RF=3',
    size: 100,
    metric: 'msgs/s',
    bound: 150_000,
    kind: 'min',
    client: 'kcat',
  },
  {
    label: 'acks=all RF=3, 1 KiB',
    scenario: 'produce acks=all RF=3',
    size: 1024,
    metric: MB,
    bound: 100,
    kind: 'min',
    client: 'kcat',
  },
  {
    label: 'produce p99 at 5k/s, acks=1',
    scenario: 'produce latency 5k/s acks=1',
    size: 1024,
    metric: 'p99 ms',
    bound: 2,
    kind: 'max',
  },
  {
    label: 'produce p99 at 5k/s, acks=all + fsync',
    scenario: 'produce latency 5k/s acks=all fsync',
    size: 1024,
    metric: 'p99 ms',
    bound: 6,
    kind: 'max',
  },
  {
    label: 'CDC snapshot',
    scenario: 'cdc snapshot',
    size: null,
    metric: 'rows/s',
    bound: 100_000,
    kind: 'min',
  },
  {
    label: 'CDC streaming',
    scenario: 'cdc streaming',
    size: null,
    metric: 'changes/s',
    bound: 30_000,
    kind: 'min',
  },
  {
    label: 'commit -> Redis p50 at 1k/s',
    scenario: 'commit->redis latency 1k/s',
    size: null,
    metric: 'p50 ms',
    bound: 5,
    kind: 'max',
  },
  {
    label: 'commit -> Redis p99 at 1k/s',
    scenario: 'commit->redis latency 1k/s',
    size: null,
    metric: 'p99 ms',
    bound: 25,
    kind: 'max',
  },
];

export interface TargetResult {
  target: Target;
  /** The median compared (a ratio for peer targets), or null when the run has no such figure. */
  value: number | null;
  met: boolean | null;
}

function median(
  ms: readonly Measurement[],
  t: Target,
  system: Measurement['system'],
  client?: string,
): number | null {
  const m = ms.find(
    (x) =>
      x.system === system &&
      x.scenario === t.scenario &&
      x.size === t.size &&
      x.metric === t.metric &&
      (client === undefined || x.client === client),
  );
  return m && m.samples.length > 0 ? summarize(m.samples).median : null;
}

export function checkTargets(ms: readonly Measurement[]): TargetResult[] {
  return TARGETS.map((target) => {
    const ours = median(ms, target, 'tributary', target.client);
    const peer = target.peer ? median(ms, target, target.peer) : 1;
    const value = ours === null || peer === null || peer === 0 ? null : ours / peer;
    const met = value === null ? null : target.kind === 'min' ? value >= target.bound : value <= target.bound;
    return { target, value, met };
  });
}
