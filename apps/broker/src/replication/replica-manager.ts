import { logger } from '@tributary/common';
import { CoordinatorError } from '@tributary/cluster';
import type { BrokerConfig } from '../config/broker-config';
import type { CoordinatorController } from '../metadata/coordinator-controller';
import type { Partition } from '../partitions/partition';
import type { FollowedPartition, PartitionManager } from '../partitions/partition-manager';
import { ReplicaFetcher } from './replica-fetcher';

/** Kafka's replica.high.watermark.checkpoint.interval.ms default. */
const HW_CHECKPOINT_INTERVAL_MS = 5000;

/**
 * Cluster mode: turns metadata into replication. On every metadata change it makes the hosted partitions
 * match (logs opened, leader or follower role, truncation on a leader change) and gives each leader broker a
 * fetcher for the partitions followed from it. As leader it keeps the ISR honest: members that have not caught
 * up for `replica.lag.time.max.ms` are dropped, replicas that reached the high watermark are added back, each
 * through the coordinator's compare-and-set on the partition epoch.
 */
export class ReplicaManager {
  private readonly log = logger('replication');
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private readonly isrInFlight = new Set<Partition>();
  private timer: NodeJS.Timeout | null = null;
  private hwTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly controller: CoordinatorController,
    private readonly partitions: PartitionManager,
    private readonly config: BrokerConfig,
  ) {}

  start(): void {
    this.controller.subscribe(() => this.metadataChanged());
    const lagMs = this.config['replica.lag.time.max.ms'];
    const every = Math.max(50, Math.min(500, Math.floor(lagMs / 4)));
    this.timer = setInterval(() => this.maintainIsr(), every);
    this.timer.unref();
    this.hwTimer = setInterval(() => this.checkpointHighWatermarks(), HW_CHECKPOINT_INTERVAL_MS);
    this.hwTimer.unref();
  }

  /** Stops fetching and saves the high watermarks one last time (a clean restart then resumes from them). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.hwTimer) clearInterval(this.hwTimer);
    this.hwTimer = null;
    this.checkpointHighWatermarks();
    for (const f of this.fetchers.values()) f.stop();
    this.fetchers.clear();
  }

  private checkpointHighWatermarks(): void {
    try {
      this.partitions.checkpointHighWatermarks();
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'cannot save the high-watermark checkpoint; will retry');
    }
  }

  private metadataChanged(): void {
    const followed = this.partitions.reconcile(this.controller.topics(), this.controller.nodeId);
    this.assignFetchers(followed);
  }

  private assignFetchers(followed: FollowedPartition[]): void {
    const byLeader = new Map<number, Partition[]>();
    for (const f of followed) {
      const list = byLeader.get(f.leader) ?? [];
      list.push(f.partition);
      byLeader.set(f.leader, list);
    }
    for (const [leader, fetcher] of [...this.fetchers]) {
      const b = this.controller.broker(leader);
      const endpoint = b ? `${b.host}:${b.port}` : '';
      if (!byLeader.has(leader) || endpoint !== fetcher.endpoint) {
        fetcher.stop();
        this.fetchers.delete(leader);
      }
    }
    for (const [leader, list] of byLeader) {
      let fetcher = this.fetchers.get(leader);
      if (!fetcher) {
        const b = this.controller.broker(leader);
        if (!b) continue;
        fetcher = new ReplicaFetcher({
          selfId: this.controller.nodeId,
          leaderId: leader,
          host: b.host,
          port: b.port,
          maxWaitMs: this.config['replica.fetch.wait.max.ms'],
          partitionMaxBytes: this.config['replica.fetch.max.bytes'],
        });
        this.fetchers.set(leader, fetcher);
        this.log.info({ leader, endpoint: fetcher.endpoint, partitions: list.length }, 'following leader');
      }
      fetcher.assign(list);
    }
  }

  private maintainIsr(): void {
    const now = Date.now();
    const lagMs = this.config['replica.lag.time.max.ms'];
    for (const p of this.partitions.all()) {
      if (!p.isReplicated || !p.isLeader || this.isrInFlight.has(p)) continue;
      const lagging = p.laggingIsrMembers(now, lagMs);
      const joining = p.caughtUpOutsiders(now, lagMs).filter((r) => this.controller.isLive(r));
      if (lagging.length === 0 && joining.length === 0) continue;
      const newIsr = p.replicas.filter(
        (r) => (p.isr.includes(r) && !lagging.includes(r)) || joining.includes(r),
      );
      this.isrInFlight.add(p);
      const name = `${p.topic}-${p.index}`;
      this.controller
        .alterIsr(p.topic, p.index, p.leaderEpoch, p.partitionEpoch, newIsr)
        .then(
          (ps) => {
            if (p.isLeader && p.leaderEpoch === ps.leaderEpoch) p.updateIsr(ps.isr, ps.partitionEpoch);
            this.log.info({ partition: name, isr: ps.isr, lagging, joining }, 'ISR changed');
          },
          (e: unknown) => {
            // INVALID_UPDATE_VERSION and stale epochs: our view is old; the refreshed one decides the next try.
            const code = e instanceof CoordinatorError ? e.code : 'UNKNOWN';
            this.log.warn({ partition: name, code, err: (e as Error).message }, 'ISR change refused');
            void this.controller.refresh().catch(() => undefined);
          },
        )
        .finally(() => this.isrInFlight.delete(p));
    }
  }
}
