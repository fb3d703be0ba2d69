import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeDir } from '../temp-dir';
import { SINGLE_NODE_FACTS, formatVerdicts, runCheckers, type ClusterFacts, type Verdict } from './checkers';
import { startSingleNodeCluster, type ChaosCluster } from './cluster';
import { describeTarget, type PlannedFault } from './faults';
import { HistoryRecorder, type HistoryOp } from './history-recorder';
import { Rng } from './rng';
import { startMultiBrokerCluster } from './multi-broker-cluster';
import { readReplicaLog } from './replica-logs';
import { SCENARIOS, scenarioNames, type ClientKind, type Scenario } from './scenarios';
import { chaosKafka } from './workload-context';

export interface ChaosOptions {
  scenario: string;
  seed: number;
  durationMs: number;
  /** Runs go to `<outDir>/<scenario>-seed<seed>-<time>/`. */
  outDir: string;
  /** Most faults to inject; default one per 5 s of duration (at least 1, at least the scenario's minimum). */
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
  /** Where history.jsonl, plan.json, verdicts.json and the node logs are. */
  runDir: string;
  historyFile: string;
  /** The recorded history (also in historyFile). */
  history: readonly HistoryOp[];
  plan: PlannedFault[];
  faultsInjected: number;
  ops: number;
  /** The verdict table as printed. */
  table: string;
}

/**
 * Runs one scenario against a fresh system (one broker, or a coordinator and brokers when the scenario says so):
 * plan from the seed, workload plus faults, final read, checkers. Saves the history, plan, verdicts and node logs
 * in the run dir; the data dirs too when a checker fails.
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
    faults: opts.faults ?? Math.max(1, scenario.minFaults ?? 0, Math.floor(opts.durationMs / 5000)),
    producers: opts.producers ?? 2,
    clients: opts.clients ?? 'both',
    idempotent: opts.idempotent ?? true,
  };
  const topic = 'chaos';
  const partitions = opts.partitions ?? 3;
  const rng = new Rng(opts.seed);
  const plan = scenario.plan(rng, params, topic);
  const facts = clusterFacts(scenario);
  writeFileSync(
    join(runDir, 'plan.json'),
    `${JSON.stringify(
      {
        scenario: scenario.name,
        seed: opts.seed,
        params,
        partitions,
        cluster: scenario.cluster ?? null,
        facts,
        plan,
      },
      null,
      2,
    )}\n`,
  );
  log(`${scenario.name} seed ${opts.seed}: ${scenario.description}`);
  log(
    `plan: ${plan
      .map((f) => `${f.kind} ${describeTarget(f.target)} (quiet ${f.quietMs} ms, fault ${f.faultMs} ms)`)
      .join(', ')}`,
  );

  const history = new HistoryRecorder(join(runDir, 'history.jsonl'));
  let cluster: ChaosCluster | null = null;
  let verdicts: Verdict[] = [];
  let faultsInjected = 0;
  try {
    cluster = await startSystem(scenario, dataDir);
    await createTopic(cluster, scenario, topic, partitions);
    log(`${cluster.nodes.map((n) => n.name).join(', ')} up; topic ${topic} created`);
    const ctx = { cluster, history, topic, partitions, stopped: () => false };
    ({ faultsInjected } = await scenario.run({ ctx, rng, params, log }, plan));
    await cluster.stop();
    await recordReplicaLogs(cluster, history, topic, partitions);
  } finally {
    history.close();
    verdicts = [...runCheckers(history.ops(), facts), ...(scenario.extraCheckers?.(history.ops()) ?? [])];
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
    history: history.ops(),
    plan,
    faultsInjected,
    ops: history.ops().length,
    table,
  };
}

function startSystem(scenario: Scenario, dataDir: string): Promise<ChaosCluster> {
  const config = { 'auto.create.topics.enable': false, ...scenario.brokerConfig };
  if (!scenario.cluster) return startSingleNodeCluster({ dataDir, config });
  return startMultiBrokerCluster({
    brokers: scenario.cluster.brokers,
    leaseMs: scenario.cluster.leaseMs,
    brokerConfig: config,
    dataDir,
  });
}

/** The workload topic, replicated as the scenario says; waits until every broker knows its leaders. */
async function createTopic(
  cluster: ChaosCluster,
  scenario: Scenario,
  topic: string,
  partitions: number,
): Promise<void> {
  const admin = chaosKafka(cluster, 'chaos-setup', 5).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: scenario.cluster?.replicationFactor ?? 1,
          configEntries: scenario.cluster
            ? [{ name: 'min.insync.replicas', value: String(scenario.cluster.minInsyncReplicas) }]
            : [],
        },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  if (!(await cluster.awaitHealthy(30_000)))
    throw new Error(`topic ${topic} did not get a leader and a full ISR on every broker within 30 s`);
}

/** Every broker's copy of every partition, read from the stopped brokers' data dirs, as `replica-log` ops. */
async function recordReplicaLogs(
  cluster: ChaosCluster,
  history: HistoryRecorder,
  topic: string,
  partitions: number,
): Promise<void> {
  for (const node of cluster.brokers)
    for (let partition = 0; partition < partitions; partition++) {
      const op = history.invoke({
        f: 'replica-log',
        process: 'final',
        node: node.name,
        topic,
        partition,
        messages: [],
      });
      try {
        op.ok({ messages: await readReplicaLog(cluster.dataDirOf(node), topic, partition) });
      } catch (e) {
        op.fail(e);
      }
    }
}

/** Every broker holds a replica of every partition (RF = brokers), so the min-isr-acks checker counts brokers. */
function clusterFacts(scenario: Scenario): ClusterFacts {
  const c = scenario.cluster;
  if (!c) return SINGLE_NODE_FACTS;
  if (c.replicationFactor !== c.brokers)
    throw new Error(
      `scenario ${scenario.name}: replication factor ${c.replicationFactor} on ${c.brokers} brokers; ` +
        'the min-isr-acks checker needs every broker to hold every partition',
    );
  return {
    replicaNodes: Array.from({ length: c.brokers }, (_, i) => `broker-${i + 1}`),
    minInsyncReplicas: c.minInsyncReplicas,
  };
}
