import { sleep } from '../broker-process';
import { checkServedWhileCoordinatorDown, type Verdict } from './checkers';
import {
  planFaults,
  runFaultPlan,
  type FaultKind,
  type FaultPlanOptions,
  type FaultTarget,
  type PlannedFault,
} from './faults';
import {
  GROUP_SESSION_TIMEOUT_MS,
  committedOffsetsReaderTask,
  fetchCommittedOffsets,
  kafkajsGroupMemberTask,
} from './group-tasks';
import { finalRead } from './final-read';
import type { HistoryOp } from './history-recorder';
import { kafkajsProducerTask } from './kafkajs-producer-task';
import { finalMetadata, metadataSamplerTask } from './metadata-sampler';
import { rdkafkaProducerTask } from './rdkafka-producer-task';
import type { Rng } from './rng';
import { CLIENT_REQUEST_TIMEOUT_MS, chaosKafka, type WorkloadContext } from './workload-context';

export type ClientKind = 'kafkajs' | 'rdkafka' | 'both';

export interface ScenarioParams {
  durationMs: number;
  /** Faults to inject at most (the run also stops injecting when the duration is up). */
  faults: number;
  /** Producer processes per client library. */
  producers: number;
  clients: ClientKind;
  /** Idempotent producers (default). Off, retries after lost answers may store duplicates: a way to see the checkers bite. */
  idempotent?: boolean;
}

export interface ScenarioRun {
  ctx: WorkloadContext;
  rng: Rng;
  params: ScenarioParams;
  log: (line: string) => void;
}

/** A coordinator and brokers as separate processes, and how the workload topic is replicated. */
export interface ClusterSpec {
  brokers: number;
  replicationFactor: number;
  minInsyncReplicas: number;
  /** Coordinator lease: a broker silent this long is fenced and its leaderships move. */
  leaseMs: number;
}

export interface Scenario {
  name: string;
  description: string;
  /** Without it the scenario runs against one broker process (`tributary start`). */
  cluster?: ClusterSpec;
  /** Broker settings the scenario needs (merged over the harness defaults). */
  brokerConfig?: Record<string, string | number | boolean>;
  /** Faults the run injects at least, however short the duration (the plan has at least this many). */
  minFaults?: number;
  /** Scenario-specific verdicts beyond the common checkers (liveness the fault is about). */
  extraCheckers?: (history: readonly HistoryOp[]) => Verdict[];
  /** Drawn from the seed before anything runs; saved as plan.json. */
  plan(rng: Rng, params: ScenarioParams, topic: string): PlannedFault[];
  /** Runs workload and faults, heals, and finishes with the final read. */
  run(run: ScenarioRun, plan: readonly PlannedFault[]): Promise<{ faultsInjected: number }>;
}

/** Producer tasks per the client choice, each with its own random stream. */
function producerTasks(run: ScenarioRun, pauseMs: [number, number]): Promise<void>[] {
  const { ctx, rng, params } = run;
  const tasks: Promise<void>[] = [];
  for (let i = 0; i < params.producers; i++) {
    if (params.clients !== 'rdkafka')
      tasks.push(
        kafkajsProducerTask(ctx, `p${i}`, rng.fork(`p${i}`), {
          pauseMs,
          idempotent: params.idempotent ?? true,
        }),
      );
    if (params.clients !== 'kafkajs')
      tasks.push(
        rdkafkaProducerTask(ctx, `rdk${i}`, rng.fork(`rdk${i}`), {
          pauseMs,
          idempotent: params.idempotent ?? true,
        }),
      );
  }
  return tasks;
}

/**
 * Runs `tasks` (started by `start` with a context whose `stopped` turns true once the faults are done and the
 * duration is up), carries out the plan meanwhile, then heals every node and lets the workload run a little longer
 * on a healthy system before stopping it.
 */
async function withFaults(
  run: ScenarioRun,
  plan: readonly PlannedFault[],
  start: (ctx: WorkloadContext) => Promise<void>[],
  minFaults = 0,
): Promise<number> {
  const began = Date.now();
  let stop = false;
  const ctx: WorkloadContext = { ...run.ctx, stopped: () => stop };
  const tasks = start(ctx);
  const settled = Promise.allSettled(tasks);
  const timeUp = (): boolean => Date.now() - began >= run.params.durationMs;
  let injected = 0;
  try {
    injected = await runFaultPlan(ctx.cluster, plan, ctx.history, (n) => n >= minFaults && timeUp(), run.log);
    while (!timeUp()) await sleep(100);
  } finally {
    for (const node of ctx.cluster.nodes) node.resume();
  }
  const healed = ctx.history.invoke({
    f: 'fault',
    process: 'nemesis',
    fault: 'await-healthy',
    node: 'cluster',
  });
  if (await ctx.cluster.awaitHealthy(30_000)) healed.ok();
  else healed.fail(new Error('the cluster did not heal within 30 s'));
  run.log(`faults done (${injected} injected); running 2 s on a healthy cluster, then stopping the workload`);
  await sleep(2000);
  stop = true;
  const results = await settled;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  return injected;
}

function produceScenario(
  name: string,
  kind: FaultKind,
  description: string,
  faultMs: [number, number],
): Scenario {
  return {
    name,
    description,
    plan: (rng, params, topic) =>
      planFaults(rng.fork('nemesis'), {
        kinds: [kind],
        count: params.faults,
        quietMs: [1000, 3000],
        faultMs,
        target: { leaderOf: { topic, partition: 0 } },
      }),
    async run(run, plan) {
      const faultsInjected = await withFaults(run, plan, (ctx) => producerTasks({ ...run, ctx }, [0, 20]));
      await finalRead(run.ctx);
      return { faultsInjected };
    },
  };
}

const GROUP = 'chaos-group';

/** Three brokers and a coordinator; RF 3 with min.insync.replicas 2; a short lease so failover is quick. */
export const THREE_BROKERS: ClusterSpec = {
  brokers: 3,
  replicationFactor: 3,
  minInsyncReplicas: 2,
  leaseMs: 2000,
};

const CLUSTER_BROKER_CONFIG = {
  'group.initial.rebalance.delay.ms': 0,
  'offsets.topic.num.partitions': 3,
  'replica.lag.time.max.ms': 5000,
};

/**
 * The cluster workload: idempotent acks=all producers of both libraries, a consumer group of two kafkajs members
 * committing after each batch, an OffsetFetch sampler and a metadata sampler; faults from the plan; then the
 * final read, the group's committed offsets and every node's metadata once more.
 */
function clusterScenario(
  name: string,
  description: string,
  faults: (topic: string) => Omit<FaultPlanOptions, 'count'>,
  extra: Pick<Scenario, 'minFaults' | 'extraCheckers'> = {},
): Scenario {
  return {
    name,
    description,
    cluster: THREE_BROKERS,
    brokerConfig: CLUSTER_BROKER_CONFIG,
    ...extra,
    plan: (rng, params, topic) => planFaults(rng.fork('nemesis'), { ...faults(topic), count: params.faults }),
    async run(run, plan) {
      const faultsInjected = await withFaults(
        run,
        plan,
        (ctx) => [
          ...producerTasks({ ...run, ctx }, [0, 20]),
          kafkajsGroupMemberTask(ctx, 'c0', GROUP),
          kafkajsGroupMemberTask(ctx, 'c1', GROUP),
          committedOffsetsReaderTask(ctx, 'offsets', GROUP, run.rng.fork('offsets')),
          metadataSamplerTask(ctx, 'meta', run.rng.fork('meta')),
        ],
        extra.minFaults,
      );
      await finalRead(run.ctx);
      await finalOffsets(run.ctx);
      await finalMetadata(run.ctx);
      return { faultsInjected };
    },
  };
}

/** One last look at the committed offsets, now that nothing commits any more. */
async function finalOffsets(ctx: WorkloadContext): Promise<void> {
  const admin = chaosKafka(ctx.cluster, 'chaos-offsets-final', 5).admin();
  try {
    await fetchCommittedOffsets(ctx, 'offsets', GROUP, async () => {
      await admin.connect();
      return admin;
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const leaderOfP0 = (topic: string): FaultTarget => ({ leaderOf: { topic, partition: 0 } });
const LEASE = THREE_BROKERS.leaseMs;

const CLUSTER_SCENARIOS: Scenario[] = [
  clusterScenario(
    'cluster-kill9-leader',
    'coordinator + 3 brokers, RF 3, min.insync.replicas 2; idempotent acks=all producers (kafkajs, librdkafka), a consumer group; kill -9 the leader of chaos/0, restart it after 1-4 s, at least 5 times, chasing the new leader each time',
    (topic) => ({
      kinds: ['kill9'],
      quietMs: [1000, 3000],
      faultMs: [1000, 4000],
      target: leaderOfP0(topic),
    }),
    { minFaults: 5 },
  ),
  clusterScenario(
    'cluster-sigstop-leader',
    `coordinator + 3 brokers, RF 3, min.insync.replicas 2; same workload; SIGSTOP the leader of chaos/0 past the coordinator lease (${LEASE} ms), SIGCONT: the zombie must be fenced`,
    (topic) => ({
      kinds: ['pause'],
      quietMs: [1000, 3000],
      faultMs: [LEASE + 1000, GROUP_SESSION_TIMEOUT_MS + 1000],
      target: leaderOfP0(topic),
    }),
    { minFaults: 2 },
  ),
  clusterScenario(
    'cluster-kill9-two',
    'coordinator + 3 brokers, RF 3, min.insync.replicas 2; same workload; kill -9 two of the three replicas of chaos/0 (the leader and a follower, or both followers) for 3-6 s: acks=all must be refused meanwhile; restart both',
    (topic) => ({
      kinds: ['kill9'],
      quietMs: [1000, 3000],
      faultMs: [3000, 6000],
      target: (rng) => ({
        replicasOf: { topic, partition: 0 },
        count: 2,
        withLeader: rng.chance(0.5),
        skip: rng.int(0, 1),
      }),
    }),
    { minFaults: 2 },
  ),
  clusterScenario(
    'cluster-kill9-coordinator',
    'coordinator + 3 brokers, RF 3, min.insync.replicas 2; same workload; kill -9 the coordinator, restart it after 1.5-5 s: brokers keep serving meanwhile, no metadata lost',
    () => ({ kinds: ['kill9'], quietMs: [1000, 3000], faultMs: [1500, 5000], target: { coordinator: true } }),
    { minFaults: 3, extraCheckers: (h) => [checkServedWhileCoordinatorDown(h)] },
  ),
];

export const SCENARIOS: Record<string, Scenario> = {
  'kill9-produce': produceScenario(
    'kill9-produce',
    'kill9',
    'idempotent acks=all producers; kill -9 the partition leader at random times, restart after 0-1.5 s; final read',
    [0, 1500],
  ),
  'sigstop-produce': produceScenario(
    'sigstop-produce',
    'pause',
    `idempotent acks=all producers; SIGSTOP the partition leader past the client timeouts (${CLIENT_REQUEST_TIMEOUT_MS} ms), SIGCONT; final read`,
    [CLIENT_REQUEST_TIMEOUT_MS + 1000, CLIENT_REQUEST_TIMEOUT_MS + 6000],
  ),
  'kill9-group': {
    name: 'kill9-group',
    description:
      'one idempotent producer, two kafkajs group members committing after each batch, an OffsetFetch sampler; kill -9 the broker, restart; final read and offsets',
    brokerConfig: { 'group.initial.rebalance.delay.ms': 0 },
    plan: (rng, params) =>
      planFaults(rng.fork('nemesis'), {
        kinds: ['kill9'],
        count: params.faults,
        quietMs: [2000, 4000],
        faultMs: [0, 1500],
        // The group coordinator is what the fault is after; on one node that is the same broker.
        target: { node: 0 },
      }),
    async run(run, plan) {
      const faultsInjected = await withFaults(run, plan, (ctx) => [
        ...producerTasks({ ...run, ctx, params: { ...run.params, producers: 1 } }, [5, 30]),
        kafkajsGroupMemberTask(ctx, 'c0', GROUP),
        kafkajsGroupMemberTask(ctx, 'c1', GROUP),
        committedOffsetsReaderTask(ctx, 'offsets', GROUP, run.rng.fork('offsets')),
      ]);
      await finalRead(run.ctx);
      await finalOffsets(run.ctx);
      return { faultsInjected };
    },
  },
  ...Object.fromEntries(CLUSTER_SCENARIOS.map((sc) => [sc.name, sc])),
};

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}
