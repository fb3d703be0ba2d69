import type { Measurement } from './measurement';
import { percentiles, summarize } from './measurement';
import { toMarkdown, toSvg, type BenchRun } from './report';
import { checkTargets } from './targets';

const m = (over: Partial<Measurement>): Measurement => ({
  scenario: 'produce acks=1',
  system: 'tributary',
  client: 'kcat',
  size: 100,
  metric: 'msgs/s',
  samples: [1],
  ...over,
});

function run(measurements: Measurement[]): BenchRun {
  return {
    startedAt: '2026-11-23T20:00:00.000Z',
    finishedAt: '2026-11-23T20:10:00.000Z',
    machine: { cpus: 2, model: 'Test CPU', node: 'v20', kernel: '6', loadAtStart: [0.5, 0.4, 0.3] },
    settings: { repeats: 3, records: 1000, sizes: [100, 1024] },
    measurements,
    errors: [{ scenario: 'pipeline', message: 'postgres missing' }],
  };
}

describe('bench report', () => {
  const ours = m({ samples: [700_000, 900_000, 800_000], rssMb: [120, 180, 150] });
  const redis = m({ system: 'redis-streams', client: 'ioredis', samples: [250_000, 300_000, 350_000] });
  const ourLat = m({
    scenario: 'produce latency 5k/s acks=1',
    size: 1024,
    metric: 'p99 ms',
    samples: [1.5, 2.5, 1.8],
  });
  const ourMb = m({ size: 1024, metric: 'MB/s', samples: [200, 400, 250] });
  const tcp = m({
    scenario: 'loopback tcp',
    system: 'machine',
    client: 'node net',
    size: null,
    metric: 'MB/s',
    samples: [2000],
  });

  it('summarises min / median / max and latency percentiles', () => {
    expect(summarize([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3 });
    expect(summarize([4, 1, 3, 2])).toEqual({ min: 1, median: 2.5, max: 4 });
    const xs = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentiles(xs)).toEqual({ p50: 501, p99: 991, p999: 1000 });
  });

  it('puts peers beside Tributary with ratios of the medians, and shares of the machine limits', () => {
    const md = toMarkdown(run([ours, redis, ourMb, tcp, ourLat]));
    expect(md).toContain(
      '| produce acks=1 | 100 B | msgs/s | 700k / **800k** / 900k | kcat | 250k / **300k** / 350k |  | 2.67× |  | 180 MB |',
    );
    expect(md).toContain(
      '| produce acks=1, 1 KiB, kcat: 200 / **250** / 400 | loopback tcp | 2000 | 0.13× |',
    );
    expect(md).toContain('- pipeline: postgres missing');
  });

  it('checks the targets against medians, peers as ratios, and says what was not measured', () => {
    const results = checkTargets([ours, redis, ourLat, ourMb]);
    const byLabel = new Map(results.map((r) => [r.target.label, r]));
    expect(byLabel.get('produce acks=1, 100 B')).toMatchObject({ value: 800_000, met: true });
    expect(byLabel.get('produce acks=1, 100 B, vs Redis Streams')!.value).toBeCloseTo(8 / 3);
    expect(byLabel.get('produce acks=1, 1 KiB')).toMatchObject({ value: 250, met: false });
    expect(byLabel.get('produce p99 at 5k/s, acks=1')).toMatchObject({ value: 1.8, met: true });
    expect(byLabel.get('CDC snapshot')).toMatchObject({ value: null, met: null });
    expect(toMarkdown(run([ours]))).toContain(
      '| broker RSS while producing (acks=1) | ≤ 300 MB | 180 MB | yes |',
    );
  });

  it('draws one bar per system and throughput group', () => {
    const svg = toSvg(
      run([
        ourMb,
        m({ system: 'redis-streams', client: 'ioredis', size: 1024, metric: 'MB/s', samples: [130] }),
        tcp,
      ]),
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect [^>]*height="13"/g)).toHaveLength(3);
    expect(svg).toContain('250 MB/s');
  });
});
