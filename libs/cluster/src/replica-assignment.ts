import { CoordinatorError } from './coordinator-error';

export interface AssignableBroker {
  nodeId: number;
  rack: string | null;
}

export interface AssignmentRequest {
  /** Live (unfenced) brokers only. */
  brokers: readonly AssignableBroker[];
  numPartitions: number;
  replicationFactor: number;
  /** Where partition 0's first replica goes in the broker order; varies per topic to spread leaders. */
  startIndex?: number;
  /** Number of the first partition (adding partitions continues the round-robin). */
  firstPartition?: number;
}

/**
 * Replica lists per partition, first replica = preferred leader. Round-robin over the brokers so leaders and
 * replicas spread evenly. When every broker has a rack, the broker order alternates racks and each partition
 * takes brokers from racks it does not use yet before doubling up on one, so losing a rack loses at most
 * ceil(RF / racks) replicas of any partition. Deterministic: same input, same assignment.
 */
export function assignReplicas(req: AssignmentRequest): number[][] {
  const { brokers, numPartitions, replicationFactor } = req;
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new CoordinatorError(
      'INVALID_REPLICATION_FACTOR',
      `replication factor must be a positive integer, got ${replicationFactor}`,
    );
  }
  if (replicationFactor > brokers.length) {
    const ids = brokers.map((b) => b.nodeId).join(', ');
    throw new CoordinatorError(
      'INVALID_REPLICATION_FACTOR',
      `replication factor ${replicationFactor} is larger than the ${brokers.length} live broker(s) [${ids}]; ` +
        'start more brokers or use a smaller replication factor',
    );
  }
  const rackAware = brokers.every((b) => b.rack !== null);
  const order = rackAware ? rackAlternated(brokers) : [...brokers].sort((a, b) => a.nodeId - b.nodeId);
  const n = order.length;
  const rackCount = new Set(order.map((b) => b.rack)).size;
  const start = req.startIndex ?? 0;
  const first = req.firstPartition ?? 0;
  const out: number[][] = [];
  for (let i = 0; i < numPartitions; i++) {
    const p = first + i;
    const leaderIdx = (start + p) % n;
    // Followers start at a shift that changes every full round so partition i and i+n differ in followers.
    const shift = n > 1 ? 1 + (Math.floor(p / n) % (n - 1)) : 0;
    const chosen = [order[leaderIdx]!];
    const racks = new Set([order[leaderIdx]!.rack]);
    for (const preferNewRack of rackAware ? [true, false] : [false]) {
      for (let k = 0; k < n && chosen.length < replicationFactor; k++) {
        const cand = order[(leaderIdx + shift + k) % n]!;
        if (chosen.includes(cand)) continue;
        if (preferNewRack && racks.size < rackCount && racks.has(cand.rack)) continue;
        chosen.push(cand);
        racks.add(cand.rack);
      }
    }
    out.push(chosen.map((b) => b.nodeId));
  }
  return out;
}

/** Brokers ordered rack by rack in turn (r1, r2, r3, r1, ...), each rack's brokers by id. */
function rackAlternated(brokers: readonly AssignableBroker[]): AssignableBroker[] {
  const byRack = new Map<string, AssignableBroker[]>();
  for (const b of [...brokers].sort((a, b) => a.nodeId - b.nodeId)) {
    const list = byRack.get(b.rack!) ?? [];
    list.push(b);
    byRack.set(b.rack!, list);
  }
  const racks = [...byRack.keys()].sort();
  const out: AssignableBroker[] = [];
  for (let i = 0; out.length < brokers.length; i++) {
    for (const r of racks) {
      const b = byRack.get(r)![i];
      if (b) out.push(b);
    }
  }
  return out;
}
