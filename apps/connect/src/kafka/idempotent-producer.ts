import {
  ApiKey,
  encodeRecordBatchSync,
  ErrorCode,
  InitProducerIdRequest,
  InitProducerIdResponse,
  ProduceRequest,
  ProduceResponse,
  Reader,
  Writer,
  type RecordInput,
} from '@tributary/protocol';
import type { Logger } from '@tributary/common';
import { sleep } from '@tributary/connect-sdk';
import { BrokerLinks, errorName, FatalKafkaError, type Link } from './broker-links';
import { partitionForKey } from './partitioner';

/** A record as the batch encoder takes it: strings are written as UTF-8 in place; no timestamp = the batch's. */
export type ProducerRecord = RecordInput;

export interface TopicRecords {
  topic: string;
  records: readonly ProducerRecord[];
}

export interface IdempotentProducerOptions {
  clientId: string;
  log: Logger;
  requestTimeoutMs?: number;
  /**
   * Records of one partition are cut into batches of about this many bytes (string lengths; each batch is one
   * Produce request, and Kafka's default max.message.bytes is 1 MiB).
   */
  batchBytes?: number;
}

/** One partition's encoded batch, waiting for its acknowledgement; resent unchanged (same sequence) on retry. */
interface PendingBatch {
  topic: string;
  partition: number;
  batch: Buffer;
  /** Kept to encode the batch again under a new producer id. */
  records: readonly ProducerRecord[];
  count: number;
}

/** Errors after which the same batch is sent again (to the new leader, after a metadata refresh). */
const RETRIABLE = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.UNKNOWN_SERVER_ERROR,
]);

/** The broker lost or rejected this producer's state: start over with a new producer id. */
const RESET = new Set<number>([
  ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  ErrorCode.UNKNOWN_PRODUCER_ID,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.INVALID_PRODUCER_ID_MAPPING,
]);

const SEQUENCE_WRAP = 2 ** 31;

/**
 * The connect worker's produce path for source records (ADR 0005): an idempotent, acks=all producer that
 * encodes each partition's records straight into one RecordBatch v2 (strings written as UTF-8 in place, CRC32C
 * native) and sends it with the Produce API. Per broker one request is in flight; a failed batch is resent
 * unchanged, so the broker's sequence check drops what already landed. `send` resolves once every record is
 * acknowledged by the partition's in-sync replicas.
 */
export class IdempotentProducer {
  private readonly links: BrokerLinks;
  private readonly log: Logger;
  private readonly requestTimeoutMs: number;
  private readonly batchBytes: number;
  private producerId = -1;
  private producerEpoch = -1;
  /** Next sequence per "topic\0partition". */
  private readonly sequences = new Map<string, number>();
  /** Partition for records without a key: all of one send go to one partition, the next send to the next. */
  private unkeyed = 0;

  constructor(bootstrap: readonly string[], opts: IdempotentProducerOptions) {
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.batchBytes = opts.batchBytes ?? 512 * 1024;
    this.log = opts.log;
    this.links = new BrokerLinks(bootstrap, opts.clientId, this.requestTimeoutMs);
  }

  /** Sends until every record is acknowledged; retries broker failures until `signal` aborts. */
  async send(topics: readonly TopicRecords[], signal: AbortSignal): Promise<void> {
    let queues: PendingBatch[][] = [];
    let settled = false;
    try {
      await this.retrying(signal, 'get a producer id', () => this.ensureProducerId());
      queues = await this.encode(topics, signal);
      for (let attempt = 0; queues.some((q) => q.length > 0); attempt++) {
        const failed = await this.sendRound(queues);
        if (failed === 'reset') {
          this.resetProducer();
          await this.retrying(signal, 'get a producer id', () => this.ensureProducerId());
          queues = queues.map((q) => q.map((b) => this.encodeBatch(b.topic, b.partition, b.records)));
          continue;
        }
        if (failed === null) {
          attempt = -1;
          continue;
        }
        if (signal.aborted) throw new Error('stopped before the brokers acknowledged every record');
        if (attempt % 10 === 0) this.log.warn({ err: failed }, 'produce failed; retrying');
        await sleep(Math.min(100 * 2 ** Math.min(attempt, 6), 5000), signal);
      }
      settled = true;
    } finally {
      // Unacknowledged batches may or may not have landed; a new producer id makes the next send start
      // clean instead of tripping over sequence gaps (what is resent may then be written twice: at-least-once).
      if (!settled && queues.some((q) => q.length > 0)) this.resetProducer();
    }
  }

  close(): void {
    this.links.close();
  }

  /**
   * Sends the head batch of every partition queue, one request per leader, in parallel. Returns null when
   * all of them were acknowledged, 'reset' when the producer id must change, else why some must be retried.
   */
  private async sendRound(queues: PendingBatch[][]): Promise<string | 'reset' | null> {
    const byLeader = new Map<number, PendingBatch[][]>();
    let failure: string | null = null;
    for (const q of queues) {
      const head = q[0];
      if (!head) continue;
      let leader: number;
      try {
        leader = (await this.links.layout(head.topic)).leaders[head.partition] ?? -1;
      } catch (e) {
        if (e instanceof FatalKafkaError) throw e;
        failure = (e as Error).message;
        continue;
      }
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(q);
    }
    let reset = false;
    await Promise.all(
      [...byLeader].map(async ([leader, qs]) => {
        const why = await this.produceTo(leader, qs);
        if (why === 'reset') reset = true;
        else if (why !== null) failure = why;
      }),
    );
    return reset ? 'reset' : failure;
  }

  /** One Produce request with the head batch of each queue; acknowledged batches leave their queue. */
  private async produceTo(leader: number, queues: PendingBatch[][]): Promise<string | 'reset' | null> {
    let link: Link;
    try {
      link = await this.links.node(leader);
    } catch (e) {
      for (const q of queues) this.links.invalidate(q[0]!.topic);
      return (e as Error).message;
    }
    const byTopic = new Map<string, { index: number; records: Buffer }[]>();
    for (const q of queues) {
      const b = q[0]!;
      let parts = byTopic.get(b.topic);
      if (!parts) byTopic.set(b.topic, (parts = []));
      parts.push({ index: b.partition, records: b.batch });
    }
    const version = link.versions.get(ApiKey.Produce)!;
    const w = new Writer(256);
    ProduceRequest.encode(w, version, {
      transactionalId: null,
      acks: -1,
      timeoutMs: this.requestTimeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
    });
    let res: ProduceResponse;
    try {
      const body = await link.conn.requestFrom(ApiKey.Produce, version, w, this.requestTimeoutMs + 5000);
      res = ProduceResponse.decode(new Reader(body), version);
    } catch (e) {
      this.links.drop(link);
      for (const q of queues) this.links.invalidate(q[0]!.topic);
      return `broker ${link.conn.address}: ${(e as Error).message}`;
    }
    let failure: string | 'reset' | null = null;
    for (const q of queues) {
      const b = q[0]!;
      const p = res.responses
        .find((t) => t.name === b.topic)
        ?.partitionResponses.find((x) => x.index === b.partition);
      const code = p ? p.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
      if (code === ErrorCode.NONE || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        q.shift();
        continue;
      }
      const where = `${b.topic}-${b.partition} on broker ${link.conn.address}`;
      if (RESET.has(code)) {
        this.log.warn(
          { partition: `${b.topic}-${b.partition}`, error: errorName(code) },
          'the broker rejected the producer state; continuing with a new producer id (unacknowledged records may be written twice)',
        );
        failure = 'reset';
      } else if (RETRIABLE.has(code)) {
        this.links.invalidate(b.topic);
        if (failure !== 'reset') failure = `${where}: ${errorName(code)}`;
      } else {
        throw new FatalKafkaError(this.fatalMessage(code, b, where));
      }
    }
    return failure;
  }

  private fatalMessage(code: number, b: PendingBatch, where: string): string {
    const what = `the broker refused ${b.count} records (${b.batch.length} bytes) for ${where}: ${errorName(code)}`;
    if (code === ErrorCode.MESSAGE_TOO_LARGE || code === ErrorCode.RECORD_LIST_TOO_LARGE)
      return `${what}; a record is larger than the topic's max.message.bytes: raise it, or make the records smaller (e.g. drop large columns with a transform)`;
    if (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED || code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
      return `${what}; grant the worker's principal write access`;
    if (code === ErrorCode.INVALID_TOPIC_EXCEPTION)
      return `${what}; the topic name is not valid (or it is internal)`;
    return what;
  }

  /** Splits each topic's records by partition and encodes them into batches with their sequences. */
  private async encode(topics: readonly TopicRecords[], signal: AbortSignal): Promise<PendingBatch[][]> {
    const queues: PendingBatch[][] = [];
    const stickyPartition = this.unkeyed++;
    for (const { topic, records } of topics) {
      if (records.length === 0) continue;
      const layout = await this.retrying(signal, `find the leaders of ${topic}`, () =>
        this.links.layout(topic),
      );
      const n = layout.leaders.length;
      const byPartition: ProducerRecord[][] = Array.from({ length: n }, () => []);
      for (const r of records) {
        const p = r.key === null ? stickyPartition % n : partitionForKey(r.key, n);
        byPartition[p]!.push(r);
      }
      for (let p = 0; p < n; p++) {
        const list = byPartition[p]!;
        if (list.length > 0) queues.push(this.batchesOf(topic, p, list));
      }
    }
    return queues;
  }

  /** Cuts one partition's records into batches of about batchBytes and encodes them. */
  private batchesOf(topic: string, partition: number, records: readonly ProducerRecord[]): PendingBatch[] {
    const out: PendingBatch[] = [];
    let from = 0;
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0) + 16;
      if (bytes >= this.batchBytes || i === records.length - 1) {
        out.push(
          this.encodeBatch(
            topic,
            partition,
            from === 0 && i === records.length - 1 ? records : records.slice(from, i + 1),
          ),
        );
        from = i + 1;
        bytes = 0;
      }
    }
    return out;
  }

  /** Encodes with the next sequences of the partition; records without a timestamp get the batch's. */
  private encodeBatch(topic: string, partition: number, records: readonly ProducerRecord[]): PendingBatch {
    const tp = `${topic}\0${partition}`;
    const baseSequence = this.sequences.get(tp) ?? 0;
    this.sequences.set(tp, (baseSequence + records.length) % SEQUENCE_WRAP);
    const batch = encodeRecordBatchSync({
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence,
      baseTimestamp: records[0]!.timestamp ?? Date.now(),
      records,
    });
    return { topic, partition, batch, records, count: records.length };
  }

  private resetProducer(): void {
    this.producerId = -1;
    this.producerEpoch = -1;
    this.sequences.clear();
  }

  private async ensureProducerId(): Promise<void> {
    if (this.producerId >= 0) return;
    const link = await this.links.any();
    const version = link.versions.get(ApiKey.InitProducerId)!;
    const w = new Writer(32);
    InitProducerIdRequest.encode(w, version, { transactionalId: null, transactionTimeoutMs: 60_000 });
    let res: InitProducerIdResponse;
    try {
      const body = await link.conn.requestFrom(ApiKey.InitProducerId, version, w, this.requestTimeoutMs);
      res = InitProducerIdResponse.decode(new Reader(body), version);
    } catch (e) {
      this.links.drop(link);
      throw e;
    }
    if (res.errorCode === ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
      throw new FatalKafkaError(
        'the worker may not use idempotent produce: grant it IdempotentWrite on the cluster',
      );
    if (res.errorCode !== ErrorCode.NONE)
      throw new Error(`InitProducerId failed on broker ${link.conn.address}: ${errorName(res.errorCode)}`);
    this.producerId = res.producerId;
    this.producerEpoch = res.producerEpoch;
    this.sequences.clear();
  }

  /** Runs `fn` until it succeeds, `signal` aborts or it throws a FatalKafkaError. */
  private async retrying<T>(signal: AbortSignal, what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof FatalKafkaError) throw e;
        if (signal.aborted) throw new Error(`stopped while trying to ${what}: ${(e as Error).message}`);
        if (attempt % 10 === 0) this.log.warn({ err: (e as Error).message }, `cannot ${what} yet; retrying`);
        await sleep(Math.min(100 * 2 ** Math.min(attempt, 6), 5000), signal);
      }
    }
  }
}
