import { Command, InvalidArgumentError } from 'commander';
import { errorText } from './history-recorder';
import { runChaos } from './run-chaos';
import { scenarioNames, type ClientKind } from './scenarios';

/**
 * `npm run chaos -- --scenario kill9-produce --seed 42 [--duration 60s] [--out DIR]`: runs one chaos scenario,
 * prints the verdict table, exits 1 if any checker found a violation (2 if the run itself broke).
 */
function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`"${text}" is not a duration; write e.g. 500ms, 30s, 2m`);
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000);
}

function int(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${text}" is not a whole number >= 0`);
  return n;
}

async function main(): Promise<void> {
  const program = new Command('chaos')
    .description(
      'Chaos scenarios against real brokers (one, or a coordinator and three), checked Jepsen-style from the recorded history.',
    )
    .requiredOption('--scenario <name>', `one of: ${scenarioNames().join(', ')}`)
    .option('--seed <n>', 'seed for every random choice (workload and faults)', int, Date.now() % 1_000_000)
    .option('--duration <time>', 'how long to inject faults (500ms, 30s, 2m)', duration, 60_000)
    .option('--faults <n>', 'most faults to inject (default: one per 5 s)', int)
    .option('--producers <n>', 'producer processes per client library', int, 2)
    .option('--partitions <n>', 'partitions of the test topic', int, 3)
    .option('--clients <kind>', 'kafkajs, rdkafka (confluent-kafka-python) or both', 'both')
    .option(
      '--no-idempotence',
      'plain acks=all producers: duplicates become possible (shows the checkers bite)',
    )
    .option('--out <dir>', 'where run directories go', 'chaos-runs')
    .option('--keep-data', 'keep the data dirs even when every checker passes', false);
  program.parse();
  const o = program.opts<{
    scenario: string;
    seed: number;
    duration: number;
    faults?: number;
    producers: number;
    partitions: number;
    clients: string;
    out: string;
    keepData: boolean;
    idempotence: boolean;
  }>();
  if (!['kafkajs', 'rdkafka', 'both'].includes(o.clients))
    throw new Error(`--clients ${o.clients} is not known; use kafkajs, rdkafka or both`);
  const log = (line: string): void => console.log(`[chaos] ${line}`);
  const result = await runChaos({
    scenario: o.scenario,
    seed: o.seed,
    durationMs: o.duration,
    outDir: o.out,
    faults: o.faults,
    producers: o.producers,
    partitions: o.partitions,
    clients: o.clients as ClientKind,
    keepData: o.keepData,
    idempotent: o.idempotence,
    log,
  });
  console.log(`\n${result.table}\n`);
  log(`${result.ops} ops, ${result.faultsInjected} faults; history: ${result.historyFile}`);
  log(
    result.ok
      ? 'PASS'
      : `FAIL: rerun with --scenario ${o.scenario} --seed ${o.seed} to repeat the same choices`,
  );
  process.exitCode = result.ok ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(`chaos run failed: ${errorText(e)}`);
  process.exitCode = 2;
});
