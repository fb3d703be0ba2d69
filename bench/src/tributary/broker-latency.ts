/**
 * Tributary produce latency at fixed rates (open loop, 1 KiB values, one partition) with acks=1 and with acks=all
 * + fsync-before-ack, and producer -> broker -> consumer latency at 5k/s, driven by confluent-kafka-python
 * (librdkafka) so the client is not the bottleneck. One p50 / p99 / p999 sample per repeat.
 *   BENCH_LATENCY_SECONDS (default 5): how long each rate runs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker } from '@tributary/testing';
import { percentiles, type Scenario } from '../harness/measurement';
import { FLUSH_SETTING, FSYNC_NOTE } from './broker-throughput';
import { Cells } from './cells';
import { runPyLatency, type PyLatencyRequest } from './py-latency';
import { trackPeakRss } from './rss';
import { BenchTopics } from './topics';

const RATES = [1000, 5000, 20_000];
const E2E_RATE = 5000;
const SIZE = 1024;
const CLIENT = 'confluent-kafka-python';

function latencySeconds(): number {
  const s = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);
  if (!(s > 0)) throw new Error(`BENCH_LATENCY_SECONDS must be a positive number of seconds, got "${s}"`);
  return s;
}

const perSecond = (rate: number): string => `${rate / 1000}k/s`;

interface Run {
  scenario: string;
  mode: PyLatencyRequest['mode'];
  acks: PyLatencyRequest['acks'];
  rate: number;
}

function runs(): Run[] {
  const produce = (acks: Run['acks'], label: string): Run[] =>
    RATES.map((rate) => ({
      scenario: `produce latency ${perSecond(rate)} ${label}`,
      mode: 'produce',
      acks,
      rate,
    }));
  return [
    ...produce('1', 'acks=1'),
    ...produce('all', 'acks=all fsync'),
    { scenario: `end-to-end latency ${perSecond(E2E_RATE)}`, mode: 'end-to-end', acks: '1', rate: E2E_RATE },
  ];
}

function note(run: Run, seconds: number, client: string, lags: number[]): string {
  const what =
    run.mode === 'produce'
      ? 'delivery report - scheduled send time'
      : 'receive time of a consumer (same process, another thread) - scheduled send time';
  const acks = run.acks === '1' ? 'acks=1' : `acks=all; ${FSYNC_NOTE}`;
  return (
    `${client}; ${SIZE} B values to one partition, open loop at ${run.rate} msgs/s for ${seconds} s, linger.ms=0, ${acks}; ` +
    `latency = ${what} (coordinated omission included); client send lag p99 per run: ${lags.map((l) => l.toFixed(2)).join(', ')} ms`
  );
}

export const tributaryLatencyScenario: Scenario = async (opts) => {
  const seconds = latencySeconds();
  const cells = new Cells();
  const lags = new Map<string, number[]>();
  const dataDir = join(opts.work, 'tributary-latency-broker');
  const broker = await startBroker({ dataDir, config: { ...FLUSH_SETTING } });
  let topics: BenchTopics | null = null;
  try {
    topics = await BenchTopics.connect([broker.bootstrap]);
    for (let r = 0; r < opts.repeats; r++) {
      for (const run of runs()) {
        const topic = `lat-${r}-${run.mode}-acks${run.acks}-${run.rate}`;
        await topics.create(topic);
        const peak = trackPeakRss([broker.pid]);
        let rssMb = 0;
        const res = await runPyLatency({
          ...run,
          bootstrap: broker.bootstrap,
          topic,
          seconds,
          size: SIZE,
        }).finally(() => (rssMb = peak()));
        await topics.remove(topic, opts.log);
        const p = percentiles(res.latenciesMs);
        const runLags = [...(lags.get(run.scenario) ?? []), res.sendLagP99Ms];
        lags.set(run.scenario, runLags);
        cells.add(
          {
            scenario: run.scenario,
            client: CLIENT,
            size: SIZE,
            note: note(run, seconds, res.client, runLags),
          },
          { 'p50 ms': p.p50, 'p99 ms': p.p99, 'p999 ms': p.p999 },
          rssMb,
        );
        opts.log(
          `${run.scenario} run ${r + 1}/${opts.repeats}: p50 ${p.p50.toFixed(2)} / p99 ${p.p99.toFixed(2)} / ` +
            `p999 ${p.p999.toFixed(2)} ms (client send lag p99 ${res.sendLagP99Ms.toFixed(2)} ms)`,
        );
      }
    }
  } finally {
    await topics?.close();
    await broker.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return cells.measurements();
};
