import type { CoordinatorClient } from '@tributary/cluster';
import { sleep } from '../broker-process';
import type { ChaosNode } from './cluster';
import { coordinatorClient, coordinatorMetadata, type MetadataView } from './metadata-probe';
import type { Rng } from './rng';
import type { WorkloadContext } from './workload-context';

/** One recorded `metadata` op: `ask` answers with the node's view, or fails (a plain `fail`: reads change nothing). */
async function sample(
  ctx: WorkloadContext,
  proc: string,
  node: string,
  ask: () => Promise<MetadataView>,
): Promise<boolean> {
  const op = ctx.history.invoke({ f: 'metadata', process: proc, node, topics: [] });
  try {
    op.ok(await ask());
    return true;
  } catch (e) {
    op.fail(e);
    return false;
  }
}

export function sampleBrokerMetadata(ctx: WorkloadContext, proc: string, node: ChaosNode): Promise<boolean> {
  return sample(ctx, proc, node.name, () => ctx.cluster.brokerMetadata(node));
}

export function sampleCoordinatorMetadata(
  ctx: WorkloadContext,
  proc: string,
  client: CoordinatorClient,
): Promise<boolean> {
  return sample(ctx, proc, 'coordinator', () => coordinatorMetadata(client));
}

/**
 * Samples cluster metadata every few hundred ms for the `metadata` checker: a seeded-random broker's Metadata
 * answer (asked of that broker alone, so a broker that answers from a stale or empty view is caught), and now and
 * then the coordinator's own state through its control RPC.
 */
export async function metadataSamplerTask(ctx: WorkloadContext, proc: string, rng: Rng): Promise<void> {
  const address = ctx.cluster.coordinatorAddress;
  const client = address ? coordinatorClient(address) : null;
  try {
    while (!ctx.stopped()) {
      const node = rng.pick(ctx.cluster.brokers);
      const askCoordinator = client !== null && rng.chance(0.3);
      const pause = rng.int(200, 600);
      await sampleBrokerMetadata(ctx, proc, node);
      if (askCoordinator) await sampleCoordinatorMetadata(ctx, proc, client);
      await sleep(pause);
    }
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/** After healing: every broker's answer and the coordinator's state, as the last sample of each node. */
export async function finalMetadata(ctx: WorkloadContext): Promise<void> {
  for (const node of ctx.cluster.brokers) await sampleBrokerMetadata(ctx, 'final', node);
  const address = ctx.cluster.coordinatorAddress;
  if (!address) return;
  const client = coordinatorClient(address);
  try {
    await sampleCoordinatorMetadata(ctx, 'final', client);
  } finally {
    await client.close().catch(() => undefined);
  }
}
