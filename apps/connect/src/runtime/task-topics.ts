import type { Message } from 'kafkajs';
import type { OutputRecord, StoredRecord, TopicAccess } from '@tributary/connect-sdk';
import type { WorkerKafka } from '../kafka/worker-kafka';
import { readTopicToEnd } from '../kafka/read-topic';

const CHUNK_BYTES = 256 * 1024;

/** A task's topic access through the worker's shared client and idempotent acks=all producer. */
export class TaskTopics implements TopicAccess {
  constructor(private readonly kafka: WorkerKafka) {}

  ensure(topic: string, opts: { partitions: number; compacted: boolean }): Promise<void> {
    return this.kafka.ensureTopic(topic, opts);
  }

  async partitions(topic: string): Promise<number> {
    const { topics } = await this.kafka.admin.fetchTopicMetadata({ topics: [topic] });
    const n = topics[0]?.partitions.length ?? 0;
    if (n === 0) throw new Error(`topic "${topic}" has no partitions in the cluster metadata`);
    return n;
  }

  readAll(topic: string, onRecord: (r: StoredRecord) => void): Promise<void> {
    return readTopicToEnd(this.kafka.kafka, topic, (m) => {
      onRecord({
        partition: m.partition,
        offset: m.offsetNumber,
        key: m.key ? m.key.toString('utf8') : null,
        value: m.value ? (JSON.parse(m.value.toString('utf8')) as unknown) : null,
      });
    });
  }

  /**
   * Sends in requests of at most about 256 KB, one after the other: a flush of a large batch must not exceed the
   * brokers' message size limit, and sequential requests keep each partition's records in order.
   */
  async send(records: readonly OutputRecord[]): Promise<void> {
    let chunk = new Map<string, Message[]>();
    let bytes = 0;
    const sendChunk = async () => {
      if (chunk.size === 0) return;
      const topicMessages = [...chunk].map(([topic, messages]) => ({ topic, messages }));
      chunk = new Map();
      bytes = 0;
      await this.kafka.producer.sendBatch({ acks: -1, topicMessages });
    };
    for (const r of records) {
      const value = r.value === null ? null : Buffer.from(JSON.stringify(r.value));
      const size = (value?.length ?? 0) + (r.key?.length ?? 0) + 64;
      if (bytes + size > CHUNK_BYTES) await sendChunk();
      let list = chunk.get(r.topic);
      if (!list) chunk.set(r.topic, (list = []));
      list.push({
        key: r.key,
        value,
        ...(r.timestamp !== undefined ? { timestamp: String(r.timestamp) } : {}),
      });
      bytes += size;
    }
    await sendChunk();
  }
}
