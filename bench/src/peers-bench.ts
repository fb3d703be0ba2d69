/**
 * The peer brokers alone (Redis Streams, NATS JetStream), as `npm run bench` measures them, printed as
 * min / median / max per row. `npm run bench:peers`; BENCH_RECORDS (200000), BENCH_REPEATS (3),
 * BENCH_SIZES (100,1024), BENCH_LATENCY_SECONDS (5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllChildren } from '@tributary/testing';
import { fail } from './bench-tools';
import { summarize, type Measurement, type ScenarioOptions } from './harness/measurement';
import { natsJetStreamScenario } from './peers/nats-jetstream';
import { redisStreamsScenario } from './peers/redis-streams';

const fmt = (v: number): string =>
  !Number.isFinite(v) ? '-' : v >= 1000 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3);

function table(rows: Measurement[]): string {
  const lines = rows.map((m) => {
    const s = summarize(m.samples);
    const rss = m.rssMb ? summarize(m.rssMb).max.toFixed(0) : '-';
    const cells = [m.system, m.scenario, m.size ?? '-', m.metric, fmt(s.min), fmt(s.median), fmt(s.max), rss];
    return `| ${cells.join(' | ')} |`;
  });
  const head =
    '| system | scenario | size | metric | min | median | max | peak RSS MiB |\n|---|---|---|---|---|---|---|---|';
  return [head, ...lines].join('\n');
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tributary-peers-bench-'));
  const opts: ScenarioOptions = {
    records: Number(process.env.BENCH_RECORDS ?? 200_000),
    repeats: Number(process.env.BENCH_REPEATS ?? 3),
    sizes: (process.env.BENCH_SIZES ?? '100,1024').split(',').map(Number),
    work,
    log: (line) => process.stderr.write(`${line}\n`),
  };
  // Ctrl-C: stop the servers before removing their directories (`finally` does not run on a signal).
  process.once('SIGINT', () => {
    void killAllChildren().finally(() => {
      rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  });
  const rows: Measurement[] = [];
  try {
    rows.push(...(await redisStreamsScenario(opts)));
    rows.push(...(await natsJetStreamScenario(opts)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const notes = [...new Set(rows.map((m) => `- ${m.system} / ${m.scenario}: ${m.note ?? ''}`))];
  process.stdout.write(
    `\nPeers, ${opts.records} records per throughput run, ${opts.repeats} runs, min / median / max\n` +
      `${table(rows)}\n\n${notes.join('\n')}\n`,
  );
}

main().catch(fail);
