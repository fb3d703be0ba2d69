/**
 * Tributary's own rows of the side-by-side benchmark (throughput with kcat and kafkajs, latency with
 * confluent-kafka-python), run on their own. Not a test: prints min / median / max per measurement.
 *   npm run bench:tributary   (BENCH_RECORDS=1000000, BENCH_REPEATS=3, BENCH_SIZES=100,1024, BENCH_LATENCY_SECONDS=5)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail } from './bench-tools';
import { summarize, type Measurement, type ScenarioOptions } from './harness/measurement';
import { tributaryLatencyScenario } from './tributary/broker-latency';
import { tributaryThroughputScenario } from './tributary/broker-throughput';

function positive(name: string, fallback: string): number[] {
  const values = (process.env[name] ?? fallback).split(',').map(Number);
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new Error(
      `${name} must be positive integers (comma-separated for sizes), got "${process.env[name]}"`,
    );
  return values;
}

function fmt(v: number, metric: Measurement['metric']): string {
  if (metric.endsWith('ms')) return v.toFixed(2);
  if (metric === 'MB/s') return v.toFixed(1);
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : `${(v / 1e3).toFixed(1)}k`;
}

function table(ms: Measurement[]): string {
  const notes: string[] = [];
  const rows = ms.map((m) => {
    const s = summarize(m.samples);
    const rss = m.rssMb?.length ? Math.max(...m.rssMb).toFixed(0) : '';
    const key = `${m.scenario} / ${m.client}${m.size === null ? '' : ` / ${m.size} B`}`;
    if (m.note && !notes.some((n) => n.startsWith(`${key}: `))) notes.push(`${key}: ${m.note}`);
    const cells = [
      m.scenario,
      m.client,
      m.size ?? '',
      m.metric,
      fmt(s.min, m.metric),
      fmt(s.median, m.metric),
    ];
    return `| ${[...cells, fmt(s.max, m.metric), rss].join(' | ')} |`;
  });
  return (
    '| scenario | client | size B | metric | min | median | max | peak RSS MiB |\n' +
    '|---|---|---|---|---|---|---|---|\n' +
    rows.join('\n') +
    '\n\nNotes:\n' +
    notes.map((n) => `- ${n}`).join('\n')
  );
}

async function main(): Promise<void> {
  const [records] = positive('BENCH_RECORDS', '1000000');
  const [repeats] = positive('BENCH_REPEATS', '3');
  const work = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  const opts: ScenarioOptions = {
    records: records!,
    repeats: repeats!,
    sizes: positive('BENCH_SIZES', '100,1024'),
    work,
    log: (line) => process.stderr.write(`${line}\n`),
  };
  const results: Measurement[] = [];
  try {
    results.push(...(await tributaryThroughputScenario(opts)));
    results.push(...(await tributaryLatencyScenario(opts)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(
    `\nTributary, ${opts.records} records per throughput run (kafkajs fewer, see notes), ${opts.repeats} repeats, ` +
      `min / median / max; MB/s = payload 10^6 B/s\n${table(results)}\n`,
  );
}

main().catch(fail);
