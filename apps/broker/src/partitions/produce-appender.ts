import { Inject, Injectable } from '@nestjs/common';
import { logger } from '@tributary/common';
import {
  Compression,
  compressionOf,
  ErrorCode,
  isTransactional,
  validateProducedRecords,
  validateRecordContents,
  type BatchHeader,
} from '@tributary/protocol';
import { BROKER_CONFIG } from '../broker.tokens';
import type { BrokerConfig } from '../config/broker-config';
import { MetadataCache } from '../metadata/metadata-cache';
import type { Partition } from './partition';
import { PartitionManager } from './partition-manager';

export interface PartitionAppend {
  errorCode: ErrorCode;
  baseOffset: number;
  logStartOffset: number;
}

/** How a batch is acknowledged: producer acks, the fsync policy, and (cluster mode) the ISR wait. */
interface AckPolicy {
  acks: number;
  flushPolicy: string;
  timeoutMs: number;
  minIsr: number;
}

/** Compressed batches are inflated once to validate them; this bounds what one batch may inflate to. */
const MAX_UNCOMPRESSED_FACTOR = 64;

/**
 * The write path of one partition's batch: checks, append, durability wait. Returns synchronously when it
 * can (uncompressed batch, no fsync wait) so the common acks=1 path allocates no promise per partition.
 */
@Injectable()
export class ProduceAppender {
  private readonly log = logger('produce');

  constructor(
    private readonly metadata: MetadataCache,
    private readonly partitions: PartitionManager,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  append(
    topic: string,
    index: number,
    records: Buffer | readonly Buffer[] | null,
    apiVersion: number,
    acks: number,
    timeoutMs = 30_000,
  ): PartitionAppend | Promise<PartitionAppend> {
    const topicInfo = this.metadata.topic(topic);
    const lead = this.partitions.leaderOf(topic, index, topicInfo?.partitions[index] !== undefined);
    if (typeof lead === 'number') return failure(lead);
    const partition = lead;
    if (records === null || !Buffer.isBuffer(records) || records.length === 0) {
      return failure(ErrorCode.CORRUPT_MESSAGE, partition);
    }
    if (apiVersion < 3) {
      // Produce v0-2 carry message format v0/v1, which we do not store (DESIGN.md section 3).
      return failure(ErrorCode.CORRUPT_MESSAGE, partition);
    }
    const maxMessageBytes = Number(
      topicInfo?.configs['max.message.bytes'] ?? this.config['message.max.bytes'],
    );
    const flushPolicy = topicInfo?.configs['flush.before.ack'] ?? this.config['log.flush.before.ack'];
    const ack: AckPolicy = {
      acks,
      flushPolicy,
      timeoutMs,
      minIsr: Number(topicInfo?.configs['min.insync.replicas'] ?? 1),
    };
    const checked = validateProducedRecords(records, { maxMessageBytes, apiVersion });
    if (!checked.ok) {
      this.log.debug({ topic, partition: index, error: checked.message }, 'rejected batch');
      return failure(checked.errorCode, partition);
    }
    const header = checked.header;
    if (isTransactional(header.attributes)) {
      // InitProducerId refuses transactional ids, so no well-behaved client gets here.
      this.log.warn(
        { topic, partition: index, producerId: header.producerId },
        'rejected a transactional batch: transactions are not supported',
      );
      return failure(ErrorCode.INVALID_TXN_STATE, partition);
    }
    if (compressionOf(header.attributes) !== Compression.None) {
      const limit = maxMessageBytes * MAX_UNCOMPRESSED_FACTOR;
      return partition.appendInOrder(
        validateRecordContents(records, limit).then((v) => (v.ok ? null : v.errorCode)),
        () => this.write(partition, records, header, ack),
        (errorCode) => failure(errorCode, partition),
      );
    }
    return partition.appendInOrder(
      null,
      () => this.write(partition, records, header, ack),
      (errorCode) => failure(errorCode, partition),
    );
  }

  /**
   * The in-order step: the idempotence check, the append and the producer-state update happen here together,
   * after every earlier batch of the partition, so a retried or pipelined batch is judged against all before it.
   */
  private write(
    partition: Partition,
    batch: Buffer,
    header: BatchHeader,
    ack: AckPolicy,
  ): PartitionAppend | Promise<PartitionAppend> {
    if (!partition.isLeader) return failure(ErrorCode.NOT_LEADER_OR_FOLLOWER, partition);
    if (partition.isReplicated && ack.acks === -1 && partition.isr.length < ack.minIsr) {
      // Kafka's rule: acks=all is refused up front when too few replicas are in sync to keep the data.
      return failure(ErrorCode.NOT_ENOUGH_REPLICAS, partition);
    }
    if (header.producerId >= 0) {
      const verdict = partition.producers.check(header);
      if (verdict.kind === 'duplicate') {
        // A retry of a batch already in the log: answer as the first time (after its fsync if due), append nothing.
        this.log.debug(
          {
            topic: partition.topic,
            partition: partition.index,
            producerId: header.producerId,
            sequence: header.baseSequence,
            baseOffset: verdict.baseOffset,
          },
          'duplicate batch acknowledged with its original offset',
        );
        return this.acknowledge(partition, verdict.baseOffset, verdict.lastOffset + 1, ack);
      }
      if (verdict.kind === 'reject') {
        this.log.info(
          { topic: partition.topic, partition: partition.index, errorCode: verdict.errorCode },
          verdict.message,
        );
        return failure(verdict.errorCode, partition);
      }
    }
    let baseOffset: number;
    let nextOffset: number;
    try {
      const res = partition.append(batch, partition.leaderEpoch);
      baseOffset = res.baseOffset;
      nextOffset = res.lastOffset + 1;
    } catch (e) {
      this.log.error({ err: e, topic: partition.topic, partition: partition.index }, 'append failed');
      return failure(ErrorCode.KAFKA_STORAGE_ERROR, partition);
    }
    return this.acknowledge(partition, baseOffset, nextOffset, ack);
  }

  /** Success for a batch at baseOffset, after everything below nextOffset is fsynced when the policy asks. */
  private acknowledge(
    partition: Partition,
    baseOffset: number,
    nextOffset: number,
    ack: AckPolicy,
  ): PartitionAppend | Promise<PartitionAppend> {
    const ok: PartitionAppend = {
      errorCode: ErrorCode.NONE,
      baseOffset,
      logStartOffset: partition.logStartOffset,
    };
    const replicate = partition.isReplicated && ack.acks === -1;
    if (!mustFsync(ack.flushPolicy, ack.acks) && !replicate) return ok;
    const durable = mustFsync(ack.flushPolicy, ack.acks)
      ? partition.log.awaitDurable(nextOffset).then(
          () => ok,
          (e: unknown) => {
            this.log.error({ err: e, topic: partition.topic, partition: partition.index }, 'fsync failed');
            return failure(ErrorCode.KAFKA_STORAGE_ERROR, partition);
          },
        )
      : Promise.resolve(ok);
    if (!replicate) return durable;
    // acks=all in a cluster: the batch counts once every ISR member has it (the high watermark passed it).
    const replicated = partition.awaitHighWatermark(nextOffset, ack.timeoutMs).then((r) => {
      // The ISR may have shrunk below min.insync.replicas while we waited (that is how the high watermark
      // reached us): the batch is in the log but fewer copies than promised exist, so it is not acknowledged.
      if (r === 'replicated' && partition.isr.length < ack.minIsr) {
        return failure(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, partition);
      }
      if (r === 'replicated') return ok;
      return failure(
        r === 'timeout' ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NOT_LEADER_OR_FOLLOWER,
        partition,
      );
    });
    return Promise.all([durable, replicated]).then(([d, r]) => (d.errorCode !== ErrorCode.NONE ? d : r));
  }
}

/** log.flush.before.ack (broker) or flush.before.ack (topic): see docs/adr/0003. */
function mustFsync(policy: string, acks: number): boolean {
  return policy === 'always' ? acks !== 0 : policy === 'acks-all' && acks === -1;
}

function failure(errorCode: ErrorCode, partition?: Partition): PartitionAppend {
  return { errorCode, baseOffset: -1, logStartOffset: partition ? partition.logStartOffset : -1 };
}
