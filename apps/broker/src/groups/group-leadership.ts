import { logger } from '@tributary/common';
import type { PartitionManager } from '../partitions/partition-manager';
import type { GroupCoordinator } from './group-coordinator';
import type { GroupLoad } from './group-load';
import type { OffsetsTopic } from './offsets-topic';
import { OFFSETS_TOPIC } from './offsets-topic-records';

/**
 * Cluster mode: group coordination follows the leadership of `__consumer_offsets` partitions. When this broker
 * starts leading one, the partition's records are replayed into the GroupCoordinator (its groups answer
 * COORDINATOR_LOAD_IN_PROGRESS meanwhile); when it stops, the partition's groups are unloaded (members get
 * NOT_COORDINATOR and find the new coordinator).
 *
 * The replay goes up to the log end offset, not the high watermark. An OffsetCommit acknowledged by the old
 * leader was in every ISR member's log, so it is in ours (the new leader comes from the ISR), but the high
 * watermark we know as a former follower may not cover it yet: it arrives with the fetch after the one that
 * copied the record. Replaying only to the HW would serve a committed offset older than an acknowledged one.
 * Everything up to our log end stays in the partition for as long as we lead it (a leader never truncates its
 * own log, and followers truncate to it), so serving it is consistent with what every later reader of this
 * leadership sees; if we lose leadership the groups are unloaded and the next leader replays its own log. (The
 * part above the HW may hold commits the old leader never acknowledged; like Kafka, we keep them rather than
 * wait for the followers to confirm a log that is ours to decide.)
 */
export class GroupLeadership {
  private readonly log = logger('groups');

  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly topic: OffsetsTopic,
    private readonly partitions: PartitionManager,
  ) {}

  attach(): void {
    this.partitions.onLeadershipChange((topic, partition, isLeader) => {
      if (topic !== OFFSETS_TOPIC) return;
      if (isLeader) this.load(partition);
      else this.coordinator.unloadPartition(partition);
    });
  }

  private load(partition: number): void {
    const load = this.coordinator.beginPartitionLoad(partition);
    const p = this.partitions.get(OFFSETS_TOPIC, partition);
    if (!p) return;
    const end = p.logEndOffset; // see the class comment: the log end, not the high watermark
    const started = Date.now();
    // Replayed in chunks off the metadata callback, so a large partition does not stall the broker.
    const step = (from: number): void => {
      if (!this.stillCurrent(load, partition)) return;
      try {
        const { next } = this.topic.replayChunk(partition, from, end, (k, v) => load.replay(k, v));
        if (next < end && next > from) {
          setImmediate(() => step(next));
          return;
        }
        if (this.coordinator.completePartitionLoad(load)) {
          this.log.debug({ partition, end, ms: Date.now() - started }, 'offsets partition loaded');
        }
      } catch (e) {
        // The partition's groups stay "loading" (clients retry) until leadership changes again.
        this.log.error(
          { err: e, partition },
          `cannot load ${OFFSETS_TOPIC} partition ${partition}; its groups stay unavailable until its leadership changes`,
        );
      }
    };
    setImmediate(() => step(0));
  }

  /** The load was not superseded: the partition is still led here and not reloaded since. */
  private stillCurrent(load: GroupLoad, partition: number): boolean {
    const p = this.partitions.get(OFFSETS_TOPIC, partition);
    return p !== undefined && p.isLeader && this.coordinator.isLoading(load);
  }
}
