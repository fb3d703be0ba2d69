import { sleep } from '../broker-process';
import { planFaults, runFaultPlan, type FaultKind, type PlannedFault } from './faults';
import { committedOffsetsReaderTask, fetchCommittedOffsets, kafkajsGroupMemberTask } from './group-tasks';
import { finalRead } from './final-read';
import { kafkajsProducerTask } from './kafkajs-producer-task';
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

export interface Scenario {
  name: string;
  description: string;
  /** Broker settings the scenario needs (merged over the harness defaults). */
  brokerConfig?: Record<string, unknown>;
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
): Promise<number> {
  const began = Date.now();
  let stop = false;
  const ctx: WorkloadContext = { ...run.ctx, stopped: () => stop };
  const tasks = start(ctx);
  const settled = Promise.allSettled(tasks);
  const timeUp = (): boolean => Date.now() - began >= run.params.durationMs;
  let injected = 0;
  try {
    injected = await runFaultPlan(ctx.cluster, plan, ctx.history, timeUp);
    while (!timeUp()) await sleep(100);
  } finally {
    for (const node of ctx.cluster.nodes) node.resume();
  }
  run.log(`faults done (${injected} injected); running 2 s on a healthy broker, then stopping the workload`);
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
      // One last look at the committed offsets, now that nothing commits any more.
      const admin = chaosKafka(run.ctx.cluster, 'chaos-offsets-final', 5).admin();
      try {
        await fetchCommittedOffsets(run.ctx, 'offsets', GROUP, async () => {
          await admin.connect();
          return admin;
        });
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      return { faultsInjected };
    },
  },
};

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}
