import { logger } from '@tributary/common';
import { ATTR_CONTROL, decodeRecordsSync, encodeRecordBatchSync, scanBatches } from '@tributary/protocol';
import type { BrokerConfig } from '../config/broker-config';
import type { MetadataCache } from '../metadata/metadata-cache';
import { ControllerError, type TopicController } from '../metadata/topic-controller';
import type { Partition } from '../partitions/partition';
import type { PartitionManager } from '../partitions/partition-manager';
import { NotCoordinatorError, type GroupStore } from './group-store';
import { OFFSETS_TOPIC, partitionForGroup, type StoreRecord } from './offsets-topic-records';

const READ_CHUNK_BYTES = 1024 * 1024;
/** Group records are small JSON documents; this only bounds a corrupt or hostile compressed batch. */
const MAX_UNCOMPRESSED_BATCH = 64 * 1024 * 1024;

/**
 * The internal compacted topic `__consumer_offsets`: where the group coordinator appends commits and group
 * metadata, and what it replays (single node: every partition at startup; cluster: a partition when this
 * broker starts leading it). Created on first start with `offsets.topic.num.partitions`
 * partitions; an existing topic keeps its partition count (group placement depends on it).
 */
export class OffsetsTopic implements GroupStore {
  private readonly log = logger('offsets-topic');
  private partitionCount = 0;

  constructor(
    private readonly metadata: MetadataCache,
    private readonly controller: TopicController,
    private readonly partitions: PartitionManager,
    private readonly config: BrokerConfig,
  ) {}

  async ensureCreated(): Promise<void> {
    let topic = this.metadata.topic(OFFSETS_TOPIC);
    if (!topic) {
      try {
        topic = await this.controller.createTopic({
          name: OFFSETS_TOPIC,
          numPartitions: this.config['offsets.topic.num.partitions'],
          replicationFactor: 1,
          configs: { 'cleanup.policy': 'compact' },
        });
        this.log.info({ partitions: topic.partitions.length }, `created internal topic ${OFFSETS_TOPIC}`);
      } catch (e) {
        if (!(e instanceof ControllerError)) throw e;
        throw new Error(`cannot create the internal topic ${OFFSETS_TOPIC}: ${e.message}`);
      }
    }
    this.partitionCount = topic.partitions.length;
  }

  /** Coordinator partition of a group (also what FindCoordinator reasons about). */
  partitionFor(groupId: string): number {
    // In a cluster the topic is created on first FindCoordinator, after this object exists.
    const count = this.metadata.topic(OFFSETS_TOPIC)?.partitions.length ?? this.partitionCount;
    return partitionForGroup(groupId, count);
  }

  private partition(index: number): Partition {
    const p = this.partitions.get(OFFSETS_TOPIC, index);
    if (!p)
      throw new Error(
        `partition ${index} of ${OFFSETS_TOPIC} is not hosted here; was the topic deleted? restart the broker to recreate it`,
      );
    return p;
  }

  /** Appends the records as one batch to the group's partition and resolves once they are on disk. */
  async write(groupId: string, records: StoreRecord[]): Promise<void> {
    if (records.length === 0) return;
    const partition = this.partition(this.partitionFor(groupId));
    if (!partition.isLeader) {
      throw new NotCoordinatorError(
        `this broker no longer leads the ${OFFSETS_TOPIC} partition of group "${groupId}"`,
      );
    }
    const batch = encodeRecordBatchSync({ records: records.map((r) => ({ key: r.key, value: r.value })) });
    const res = await partition.appendInOrder(
      null,
      () => partition.append(batch, partition.leaderEpoch),
      (code) => {
        throw new Error(`append to ${OFFSETS_TOPIC} refused with error ${code}`);
      },
    );
    if (this.config['log.flush.before.ack'] !== 'never') await partition.log.awaitDurable(res.lastOffset + 1);
    if (partition.isReplicated) {
      // Like acks=all: a commit counts once the ISR has it, so it survives the loss of this broker.
      const r = await partition.awaitHighWatermark(res.lastOffset + 1, 30_000);
      if (r === 'not-leader') {
        throw new NotCoordinatorError(
          `this broker lost the leadership of the ${OFFSETS_TOPIC} partition of group "${groupId}" before the write was replicated`,
        );
      }
      if (r !== 'replicated') throw new Error(`write to ${OFFSETS_TOPIC} was not replicated (${r})`);
    }
  }

  /** Feeds every stored record, partition by partition and in offset order, to `visit` (single-node startup). */
  replay(visit: (key: Buffer, value: Buffer | null) => void): number {
    let count = 0;
    for (let i = 0; i < this.partitionCount; i++) {
      const end = this.partition(i).logEndOffset;
      let offset = 0;
      while (offset < end) {
        const step = this.replayChunk(i, offset, end, visit);
        count += step.records;
        if (step.next <= offset) break;
        offset = step.next;
      }
    }
    return count;
  }

  /**
   * Feeds the records of partition `index` from `from` (or its log start, if later) up to `end`, about one
   * read's worth (1 MiB of batches), to `visit`. Returns where to continue (>= `end` when done; not above `from`
   * when there is nothing more to read).
   */
  replayChunk(
    index: number,
    from: number,
    end: number,
    visit: (key: Buffer, value: Buffer | null) => void,
  ): { next: number; records: number } {
    const log = this.partition(index).log;
    // Retention or compaction may have moved the log start past where the replay was.
    const offset = Math.max(from, log.logStartOffset);
    let next = offset;
    let records = 0;
    if (offset >= end) return { next: end, records };
    const { chunks } = log.read(offset, READ_CHUNK_BYTES, end);
    for (const chunk of chunks) {
      for (const b of scanBatches(chunk).batches) {
        next = b.header.baseOffset + b.header.lastOffsetDelta + 1;
        if ((b.header.attributes & ATTR_CONTROL) !== 0) continue;
        const decoded = decodeRecordsSync(chunk.subarray(b.start, b.end), {
          maxUncompressedBytes: MAX_UNCOMPRESSED_BATCH,
        });
        for (const r of decoded.records) {
          if (r.key === null) continue;
          try {
            visit(r.key, r.value);
            records++;
          } catch (e) {
            this.log.warn({ err: e, partition: index }, `skipping an unreadable record in ${OFFSETS_TOPIC}`);
          }
        }
      }
    }
    return { next, records };
  }
}
