import { Kafka, logLevel, Partitioners } from 'kafkajs';
import {
  checkHistory,
  readPartitions,
  startBroker,
  type BrokerHandle,
  type HistoryMessage,
} from '@tributary/testing';

jest.setTimeout(90_000);

const PARTITIONS = [0, 1, 2];
const KILL_AFTER_ACKS = 300;

function client(broker: BrokerHandle, id: string): Kafka {
  return new Kafka({
    clientId: id,
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  });
}

interface Ack {
  message: HistoryMessage;
  offset: number;
}

/**
 * kill -9 while acks=all producers are mid-stream: every acknowledged message must survive the crash in order with
 * no offset holes (single replica, so durability comes from fsync before ack), and the recovered log must accept
 * and serve new writes.
 */
describe('broker: crash recovery after kill -9', () => {
  let broker: BrokerHandle;

  beforeAll(async () => {
    // Small segments so the run crosses segment rolls before the crash.
    broker = await startBroker({ config: { 'log.segment.bytes': 64 * 1024 } });
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  it('keeps every acknowledged message and accepts new writes after restart', async () => {
    const topic = 'crash-recovery';
    const kafka = client(broker, 'crash-producer');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS.length, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();

    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 0 },
      allowAutoTopicCreation: false,
    });
    await producer.connect();

    const acked: Ack[] = [];
    const unacked: HistoryMessage[] = [];
    let killing: Promise<void> | null = null;

    // One sequential acks=all loop per partition; the crash lands while each has a request in flight.
    const loop = async (partition: number): Promise<void> => {
      for (let i = 0; ; i++) {
        const message: HistoryMessage = {
          partition,
          key: `p${partition}-${i}`,
          value: `value ${i} on ${partition} ${'x'.repeat(200)}`,
          headers: { seq: String(i) },
        };
        try {
          const [res] = await producer.send({
            topic,
            acks: -1,
            messages: [{ partition, key: message.key, value: message.value, headers: message.headers }],
          });
          if (res!.errorCode !== 0) throw new Error(`produce error ${res!.errorCode}`);
          acked.push({ message, offset: Number(res!.baseOffset) });
          if (acked.length >= KILL_AFTER_ACKS && killing === null) killing = broker.kill9();
        } catch {
          unacked.push(message);
          return;
        }
      }
    };
    await Promise.all(PARTITIONS.map(loop));
    await killing;
    await producer.disconnect().catch(() => undefined);

    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    await broker.restart();

    const reader = client(broker, 'crash-reader');
    const recovered = await readPartitions(reader, topic, PARTITIONS);
    const report = checkHistory(
      acked.map((a) => a.message),
      recovered,
      { maybe: unacked, contiguousOffsets: true },
    );
    if (!report.ok)
      throw new Error(
        `after kill -9 and restart: ${report.summary}\n--- broker logs ---\n${broker.logs().slice(-4000)}`,
      );
    // Each acknowledged message sits at the offset the broker acknowledged.
    const byOffset = new Map(recovered.map((m) => [`${m.partition}@${m.offset}`, m.key]));
    for (const a of acked) expect(byOffset.get(`${a.message.partition}@${a.offset}`)).toBe(a.message.key);

    // The recovered log accepts new writes after whatever survived, and serves them back.
    const after = reader.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await after.connect();
    const more: HistoryMessage[] = PARTITIONS.flatMap((partition) =>
      Array.from({ length: 5 }, (_, i) => ({
        partition,
        key: `after-${partition}-${i}`,
        value: `after restart ${i}`,
        headers: { phase: 'after' },
      })),
    );
    const results = await after.send({
      topic,
      acks: -1,
      messages: more.map((m) => ({ partition: m.partition, key: m.key, value: m.value, headers: m.headers })),
    });
    await after.disconnect();
    for (const r of results) {
      const before = recovered.filter((m) => m.partition === r.partition).length;
      expect({ partition: r.partition, errorCode: r.errorCode, baseOffset: Number(r.baseOffset) }).toEqual({
        partition: r.partition,
        errorCode: 0,
        baseOffset: before,
      });
    }
    const all = await readPartitions(reader, topic, PARTITIONS);
    const final = checkHistory([...recovered, ...more], all, { contiguousOffsets: true });
    if (!final.ok) throw new Error(`after writing to the recovered log: ${final.summary}`);
  });
});
