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

/**
 * Which nodes a fault hits, resolved when it strikes (so repeated faults chase the current leader):
 * - `leaderOf`: the leader of a partition;
 * - `node`: a node by index in `cluster.nodes`;
 * - `coordinator`: the coordinator process;
 * - `replicasOf`: `count` replicas of a partition, the leader first when `withLeader`, then followers in
 *   replica order starting at `skip` (mod the number of followers).
 */
export type FaultTarget =
  | { leaderOf: { topic: string; partition: number } }
  | { node: number }
  | { coordinator: true }
  | { replicasOf: { topic: string; partition: number }; count: number; withLeader: boolean; skip: number };

export interface PlannedFault {
  kind: FaultKind;
  target: FaultTarget;
  /** Quiet time before the fault starts, after the previous one healed. */
  quietMs: number;
  /** kill9: time the nodes stay down before restart. pause: time they stay stopped. */
  faultMs: number;
}

export interface FaultPlanOptions {
  kinds: readonly FaultKind[];
  count: number;
  quietMs: [number, number];
  faultMs: [number, number];
  /** One target for every fault, or drawn per fault. */
  target: FaultTarget | ((rng: Rng) => FaultTarget);
}

export function planFaults(rng: Rng, opts: FaultPlanOptions): PlannedFault[] {
  return Array.from({ length: opts.count }, () => ({
    kind: rng.pick(opts.kinds),
    target: typeof opts.target === 'function' ? opts.target(rng) : opts.target,
    quietMs: rng.int(opts.quietMs[0], opts.quietMs[1]),
    faultMs: rng.int(opts.faultMs[0], opts.faultMs[1]),
  }));
}

/** A one-line description of a target, for logs. */
export function describeTarget(t: FaultTarget): string {
  if ('leaderOf' in t) return `leader of ${t.leaderOf.topic}/${t.leaderOf.partition}`;
  if ('node' in t) return `node ${t.node}`;
  if ('coordinator' in t) return 'coordinator';
  return `${t.count} replicas of ${t.replicasOf.topic}/${t.replicasOf.partition}${t.withLeader ? ' (leader first)' : ' (followers)'}`;
}

async function resolve(cluster: ChaosCluster, target: FaultTarget): Promise<ChaosNode[]> {
  if ('node' in target) {
    const node = cluster.nodes[target.node];
    if (!node)
      throw new Error(`fault targets node ${target.node} but the cluster has ${cluster.nodes.length}`);
    return [node];
  }
  if ('coordinator' in target) {
    if (!cluster.coordinator) throw new Error('fault targets the coordinator but this cluster has none');
    return [cluster.coordinator];
  }
  if ('leaderOf' in target) return [await cluster.leaderOf(target.leaderOf.topic, target.leaderOf.partition)];
  const { topic, partition } = target.replicasOf;
  const leader = await cluster.leaderOf(topic, partition);
  const view = await cluster.partitionView(topic, partition);
  const followers = view.replicas.filter((n) => n !== leader);
  const rotated = followers.map((_, i) => followers[(i + target.skip) % followers.length]!);
  const chosen = [...(target.withLeader ? [leader] : []), ...rotated].slice(0, target.count);
  if (chosen.length < target.count)
    throw new Error(
      `fault wants ${target.count} replicas of ${topic}/${partition} but it has ${view.replicas.length}`,
    );
  return chosen;
}

/** How long to wait for the cluster to heal after a fault before the next quiet period starts. */
const HEAL_TIMEOUT_MS = 30_000;

/**
 * Carries out a plan, recording each fault step as a `nemesis` op. After each fault it waits (up to 30 s) for
 * the cluster to be healthy again (every replica back in sync), recorded as an `await-healthy` op, so the next
 * fault hits a whole cluster. Stops early (after healing the current fault) when `shouldStop(injected so far)` turns
 * true.
 * Returns how many faults were injected.
 */
export async function runFaultPlan(
  cluster: ChaosCluster,
  plan: readonly PlannedFault[],
  history: HistoryRecorder,
  shouldStop: (injected: number) => boolean,
  log: (line: string) => void = () => undefined,
): Promise<number> {
  let injected = 0;
  const step = async (
    fault: string,
    node: string,
    action: () => Promise<unknown> | unknown,
  ): Promise<void> => {
    const op = history.invoke({ f: 'fault', process: 'nemesis', fault, node });
    try {
      const ok = await action();
      if (ok === false) op.fail(new Error(`${fault} did not succeed`));
      else op.ok();
    } catch (e) {
      op.fail(e);
      throw e;
    }
  };
  for (const f of plan) {
    await sleep(f.quietMs);
    if (shouldStop(injected)) break;
    const nodes = await resolve(cluster, f.target);
    injected++;
    const names = nodes.map((n) => n.name).join(', ');
    log(`fault ${injected}: ${f.kind} ${names} (${describeTarget(f.target)}) for ${f.faultMs} ms`);
    if (f.kind === 'kill9') {
      for (const node of nodes) await step('kill9', node.name, () => node.kill9());
      await sleep(f.faultMs);
      for (const node of nodes) await step('restart', node.name, () => node.restart());
    } else {
      for (const node of nodes) await step('pause', node.name, () => node.pause());
      await sleep(f.faultMs);
      for (const node of nodes) await step('resume', node.name, () => node.resume());
    }
    let healthy = false;
    await step(
      'await-healthy',
      'cluster',
      async () => (healthy = await cluster.awaitHealthy(HEAL_TIMEOUT_MS)),
    );
    if (!healthy) log(`the cluster did not heal within ${HEAL_TIMEOUT_MS} ms after fault ${injected}`);
  }
  return injected;
}
