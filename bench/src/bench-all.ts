/**
 * `npm run bench`: Tributary, its peers (Redis Streams, NATS JetStream) and this machine's limits in one run,
 * with identical payloads and persistence on. Writes bench/results/<timestamp>.{json,md,svg} and copies the
 * markdown and chart to bench/results/latest.{md,svg} (what the README shows).
 *   BENCH_REPEATS (3), BENCH_RECORDS (1000000), BENCH_SIZES (100,1024), BENCH_ONLY (comma list of parts:
 *   machine, tributary, latency, peers, memory, cdc, pipeline), BENCH_BIG_MB (5120: the large topic of `memory`)
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, removeDir, repoRoot } from '@tributary/testing';
import { fail } from './bench-tools';
import { cdcScenario } from './cdc-bench';
import type { Measurement, ScenarioOptions } from './harness/measurement';
import { toMarkdown, toSvg, type BenchRun } from './harness/report';
import { machineScenario } from './machine/limits';
import { rssVsDataScenario } from './memory/rss-vs-data';
import { natsJetStreamScenario } from './peers/nats-jetstream';
import { redisStreamsScenario } from './peers/redis-streams';
import { pipelineScenario } from './pipeline-bench';
import { tributaryLatencyScenario } from './tributary/broker-latency';
import { tributaryThroughputScenario } from './tributary/broker-throughput';

const NATS_MAX_RECORDS = 200_000;

const log = (line: string) => process.stderr.write(`${line}\n`);

type Part = { name: string; run: (o: ScenarioOptions) => Promise<Measurement[]> };
const PARTS: Part[] = [
  { name: 'machine', run: machineScenario },
  { name: 'tributary', run: tributaryThroughputScenario },
  { name: 'latency', run: tributaryLatencyScenario },
  {
    name: 'peers',
    run: async (o) => {
      // JetStream's acked JS publishes run at ~30k msgs/s (client-bound, perf.md §2.2): fewer records per run.
      const natsRecords = Math.min(o.records, NATS_MAX_RECORDS);
      const nats = (await natsJetStreamScenario({ ...o, records: natsRecords })).map((m) =>
        natsRecords < o.records && !m.metric.endsWith(' ms')
          ? { ...m, note: `${m.note ? `${m.note}; ` : ''}${natsRecords} records per run` }
          : m,
      );
      return [...(await redisStreamsScenario(o)), ...nats];
    },
  },
  { name: 'memory', run: rssVsDataScenario },
  { name: 'cdc', run: (o) => cdcScenario(o.repeats, (t) => o.log(t.trimEnd())) },
  { name: 'pipeline', run: (o) => pipelineScenario(o.repeats, (t) => o.log(t.trimEnd())) },
];

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const settings = {
    repeats: Number(process.env.BENCH_REPEATS ?? 3),
    records: Number(process.env.BENCH_RECORDS ?? 1_000_000),
    sizes: (process.env.BENCH_SIZES ?? '100,1024').split(',').map(Number),
  };
  const run: BenchRun = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model.trim() ?? 'unknown CPU',
      node: process.version,
      kernel: release(),
      loadAtStart: loadavg(),
    },
    settings,
    measurements: [],
    errors: [],
  };
  for (const part of PARTS) {
    if (only && !only.includes(part.name)) continue;
    const work = makeTempDir(`tributary-bench-${part.name}-`);
    log(`== ${part.name}`);
    try {
      run.measurements.push(...(await part.run({ ...settings, work, log })));
    } catch (e) {
      // One failing part (a peer missing, say) must not throw away the figures of the others.
      const message = e instanceof Error ? e.message : String(e);
      log(`${part.name} failed: ${message}`);
      run.errors.push({ scenario: part.name, message });
    } finally {
      removeDir(work);
    }
  }
  run.finishedAt = new Date().toISOString();
  const dir = join(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = run.startedAt.replace(/[:.]/g, '-');
  const base = join(dir, stamp);
  writeFileSync(`${base}.json`, `${JSON.stringify(run, null, 2)}\n`);
  const md = toMarkdown(run);
  writeFileSync(`${base}.md`, md);
  writeFileSync(`${base}.svg`, toSvg(run));
  copyFileSync(`${base}.md`, join(dir, 'latest.md'));
  copyFileSync(`${base}.svg`, join(dir, 'latest.svg'));
  process.stdout.write(md);
  log(`wrote bench/results/${stamp}.{json,md,svg} and latest.{md,svg}`);
  process.exit(run.errors.length > 0 ? 1 : 0);
}

main().catch(fail);
