import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PartitionManager } from '../partitions/partition-manager';

/** How often partitions with appends since their last producer-state snapshot get a new one. */
export const SNAPSHOT_INTERVAL_MS = 60_000;

/**
 * Writes producer-state snapshots of changed partitions every SNAPSHOT_INTERVAL_MS and at shutdown, so a restart
 * replays little log (none after a clean stop). Snapshots are optional for correctness: see PartitionProducers.
 */
@Injectable()
export class ProducerSnapshotter implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly partitions: PartitionManager) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.snapshotChanged(), SNAPSHOT_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.snapshotChanged();
  }

  snapshotChanged(): void {
    for (const p of this.partitions.all()) p.producers.snapshotIfChanged();
  }
}
