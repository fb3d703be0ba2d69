import type { OutputRecord, StoredRecord, TopicAccess } from '@tributary/connect-sdk';
import type { WorkerKafka } from '../kafka/worker-kafka';
import { readTopicToEnd } from '../kafka/read-topic';

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

  async send(records: readonly OutputRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byTopic = new Map<string, { key: string | null; value: Buffer | null; timestamp?: string }[]>();
    for (const r of records) {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({
        key: r.key,
        value: r.value === null ? null : Buffer.from(JSON.stringify(r.value)),
        ...(r.timestamp !== undefined ? { timestamp: String(r.timestamp) } : {}),
      });
    }
    await this.kafka.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
}
