/**
 * Broker leases: soft state, deliberately not in the metadata log (KRaft does the same). After a coordinator
 * restart every broker gets a full lease to heartbeat again, so a coordinator crash never fences the cluster.
 * A lease names the broker epoch it was granted to; a newer registration replaces it.
 */
export class LeaseTracker {
  private readonly leases = new Map<number, { brokerEpoch: number; expiresAt: number }>();

  renew(nodeId: number, brokerEpoch: number, now: number, leaseMs: number): void {
    this.leases.set(nodeId, { brokerEpoch, expiresAt: now + leaseMs });
  }

  drop(nodeId: number): void {
    this.leases.delete(nodeId);
  }

  expiresAt(nodeId: number): number | undefined {
    return this.leases.get(nodeId)?.expiresAt;
  }

  /** Leases that ran out by `now`, removed from the tracker (each is reported once). */
  takeExpired(now: number): { nodeId: number; brokerEpoch: number }[] {
    const out: { nodeId: number; brokerEpoch: number }[] = [];
    for (const [nodeId, l] of this.leases) {
      if (l.expiresAt <= now) {
        out.push({ nodeId, brokerEpoch: l.brokerEpoch });
        this.leases.delete(nodeId);
      }
    }
    return out;
  }
}
