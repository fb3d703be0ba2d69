import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeDir } from '../temp-dir';
import { formatVerdicts, runCheckers, type Verdict } from './checkers';
import { startSingleNodeCluster, type ChaosCluster } from './cluster';
import type { PlannedFault } from './faults';
import { HistoryRecorder } from './history-recorder';
import { Rng } from './rng';
import { SCENARIOS, scenarioNames, type ClientKind } from './scenarios';
import { chaosKafka } from './workload-context';

export interface ChaosOptions {
  scenario: string;
  seed: number;
  durationMs: number;
  /** Runs go to `<outDir>/<scenario>-seed<seed>-<time>/`. */
  outDir: string;
  /** Most faults to inject; default one per 5 s of duration (at least 1). */
  faults?: number;
  producers?: number;
  partitions?: number;
  clients?: ClientKind;
  /** Idempotent producers; default true. */
  idempotent?: boolean;
  /** Keep the broker data dir even when every checker passes (it is always kept on failure). */
  keepData?: boolean;
  log?: (line: string) => void;
}

export interface ChaosResult {
  ok: boolean;
  verdicts: Verdict[];
  /** Where history.jsonl, plan.json, verdicts.json and the broker logs are. */
  runDir: string;
  historyFile: string;
  plan: PlannedFault[];
  faultsInjected: number;
  ops: number;
  /** The verdict table as printed. */
  table: string;
}

/**
 * Runs one scenario against a fresh single-node cluster: plan from the seed, workload plus faults, final read,
 * checkers. Saves the history, plan, verdicts and broker logs in the run dir; the data dir too when a checker fails.
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const scenario = SCENARIOS[opts.scenario];
  if (!scenario)
    throw new Error(
      `unknown chaos scenario ${JSON.stringify(opts.scenario)}; choose one of: ${scenarioNames().join(', ')}`,
    );
  const log = opts.log ?? (() => undefined);
  const runDir = resolve(
    join(opts.outDir, `${scenario.name}-seed${opts.seed}-${new Date().toISOString().replace(/[:.]/g, '-')}`),
  );
  mkdirSync(runDir, { recursive: true });
  const dataDir = join(runDir, 'data');
  const params = {
    durationMs: opts.durationMs,
    faults: opts.faults ?? Math.max(1, Math.floor(opts.durationMs / 5000)),
    producers: opts.producers ?? 2,
    clients: opts.clients ?? 'both',
    idempotent: opts.idempotent ?? true,
  };
  const topic = 'chaos';
  const partitions = opts.partitions ?? 3;
  const rng = new Rng(opts.seed);
  const plan = scenario.plan(rng, params, topic);
  writeFileSync(
    join(runDir, 'plan.json'),
    `${JSON.stringify({ scenario: scenario.name, seed: opts.seed, params, partitions, plan }, null, 2)}\n`,
  );
  log(`${scenario.name} seed ${opts.seed}: ${scenario.description}`);
  log(`plan: ${plan.map((f) => `${f.kind}(quiet ${f.quietMs} ms, fault ${f.faultMs} ms)`).join(', ')}`);

  const history = new HistoryRecorder(join(runDir, 'history.jsonl'));
  let cluster: ChaosCluster | null = null;
  let verdicts: Verdict[] = [];
  let faultsInjected = 0;
  try {
    cluster = await startSingleNodeCluster({
      dataDir,
      config: { 'auto.create.topics.enable': false, ...scenario.brokerConfig },
    });
    const admin = chaosKafka(cluster, 'chaos-setup', 5).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const ctx = { cluster, history, topic, partitions, stopped: () => false };
    ({ faultsInjected } = await scenario.run({ ctx, rng, params, log }, plan));
  } finally {
    history.close();
    verdicts = runCheckers(history.ops());
    const ok = verdicts.every((v) => v.ok);
    if (cluster) {
      for (const node of cluster.nodes) writeFileSync(join(runDir, `${node.name}.log`), node.logs());
      await cluster.dispose(true);
      if (ok && !opts.keepData) removeDir(dataDir);
    }
    writeFileSync(join(runDir, 'verdicts.json'), `${JSON.stringify(verdicts, null, 2)}\n`);
  }
  const table = formatVerdicts(verdicts);
  return {
    ok: verdicts.every((v) => v.ok),
    verdicts,
    runDir,
    historyFile: join(runDir, 'history.jsonl'),
    plan,
    faultsInjected,
    ops: history.ops().length,
    table,
  };
}
