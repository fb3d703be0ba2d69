import { sleep } from '../broker-process';
import type { ChaosCluster, ChaosNode } from './cluster';
import type { HistoryRecorder } from './history-recorder';
import type { Rng } from './rng';

/**
 * Fault plans: drawn up front from the seed (so a run's choices are reproducible and printable), then carried out
 * against a cluster. Timing is wall-clock, so what the clients were doing at each fault varies between runs; the
 * choices (which fault, how long the quiet and faulty periods are, which node) do not.
 */
export type FaultKind = 'kill9' | 'pause';

/** Which node a fault hits: the leader of a partition when it strikes, or a node by index. */
export type FaultTarget = { leaderOf: { topic: string; partition: number } } | { node: number };

export interface PlannedFault {
  kind: FaultKind;
  target: FaultTarget;
  /** Quiet time before the fault starts, after the previous one healed. */
  quietMs: number;
  /** kill9: time the node stays down before restart. pause: time it stays stopped. */
  faultMs: number;
}

export interface FaultPlanOptions {
  kinds: readonly FaultKind[];
  count: number;
  quietMs: [number, number];
  faultMs: [number, number];
  target: FaultTarget;
}

export function planFaults(rng: Rng, opts: FaultPlanOptions): PlannedFault[] {
  return Array.from({ length: opts.count }, () => ({
    kind: rng.pick(opts.kinds),
    target: opts.target,
    quietMs: rng.int(opts.quietMs[0], opts.quietMs[1]),
    faultMs: rng.int(opts.faultMs[0], opts.faultMs[1]),
  }));
}

async function resolve(cluster: ChaosCluster, target: FaultTarget): Promise<ChaosNode> {
  if ('node' in target) {
    const node = cluster.nodes[target.node];
    if (!node)
      throw new Error(`fault targets node ${target.node} but the cluster has ${cluster.nodes.length}`);
    return node;
  }
  return cluster.leaderOf(target.leaderOf.topic, target.leaderOf.partition);
}

/**
 * Carries out a plan, recording each fault step as a `nemesis` op. Stops early (after healing the current fault)
 * when `shouldStop` turns true. Returns how many faults were injected.
 */
export async function runFaultPlan(
  cluster: ChaosCluster,
  plan: readonly PlannedFault[],
  history: HistoryRecorder,
  shouldStop: () => boolean,
): Promise<number> {
  let injected = 0;
  const step = async (fault: string, node: ChaosNode, action: () => Promise<void> | void): Promise<void> => {
    const op = history.invoke({ f: 'fault', process: 'nemesis', fault, node: node.name });
    try {
      await action();
      op.ok();
    } catch (e) {
      op.fail(e);
      throw e;
    }
  };
  for (const f of plan) {
    await sleep(f.quietMs);
    if (shouldStop()) break;
    const node = await resolve(cluster, f.target);
    injected++;
    if (f.kind === 'kill9') {
      await step('kill9', node, () => node.kill9());
      await sleep(f.faultMs);
      await step('restart', node, () => node.restart());
    } else {
      await step('pause', node, () => node.pause());
      await sleep(f.faultMs);
      await step('resume', node, () => node.resume());
    }
  }
  return injected;
}
