import { type Kafka, type Producer } from 'kafkajs';
import { ApiKey, ErrorCode, ProduceRequest, ProduceResponse, Reader, Writer } from '@tributary/protocol';
import {
  RawKafkaClient,
  checkHistory,
  encodeRecordBatch,
  sleep,
  clusterKafka,
  startCluster,
  type ClusterHandle,
  type HistoryMessage,
} from '@tributary/testing';

jest.setTimeout(90_000);

const TOPIC = 'replicated';
const LEASE_MS = 2500;

/**
 * A coordinator and three brokers as real processes. A topic with replication factor 3 is written with acks=all;
 * the leader of partition 0 is killed with SIGKILL; the producer carries on once the coordinator elects a new
 * leader from the ISR, and every acknowledged message is read back from the survivors.
 */
describe('three-broker cluster with a coordinator', () => {
  let cluster: ClusterHandle;
  let kafka: Kafka;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      leaseMs: LEASE_MS,
      brokerConfig: { 'offsets.topic.num.partitions': 3, 'replica.lag.time.max.ms': 5000 },
    });
    kafka = clusterKafka(cluster, 'cluster-e2e');
  });

  afterAll(async () => {
    await cluster?.dispose();
  });

  it('takes a produce to a topic created a moment ago on every leader, without retries that duplicate', async () => {
    // Brokers other than the one that forwarded CreateTopics learn the topic with their next heartbeat; a leader
    // answering UNKNOWN_TOPIC_OR_PARTITION meanwhile made kafkajs resend batches that had already succeeded
    // elsewhere with new sequence numbers. A broker now fetches the metadata before answering for a topic it
    // does not know.
    const admin = kafka.admin();
    await admin.connect();
    const counts: string[] = [];
    for (let round = 0; round < 5; round++) {
      const topic = `fresh-${round}`;
      await admin.createTopics({
        topics: [{ topic, numPartitions: 3, replicationFactor: 3 }],
        waitForLeaders: true,
      });
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 60 }, (_, i) => ({ partition: i % 3, value: `v${i}` })),
      });
      await producer.disconnect();
      const offsets = await admin.fetchTopicOffsets(topic);
      counts.push(...offsets.map((o) => `${topic}/${o.partition}=${o.high}`));
    }
    await admin.disconnect();
    expect(counts.filter((c) => !c.endsWith('=20'))).toEqual([]);
  });

  it('replicates acks=all writes and loses none of them when the leader is killed', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 2, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    const before = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics[0]!.partitions;
    for (const p of before) {
      expect(p.replicas).toHaveLength(3);
      expect([...p.isr].sort()).toEqual([1, 2, 3]);
    }

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const acked: HistoryMessage[] = [];
    const maybe: HistoryMessage[] = [];
    const send = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) {
        const partition = i % 2;
        const m = { partition, key: `k${i}`, value: `v${i}` };
        try {
          await sendOne(producer, m);
          acked.push(m);
        } catch {
          maybe.push(m); // not acknowledged: may or may not be in the log
        }
      }
    };
    await send(0, 100);

    const oldLeader = before.find((p) => p.partitionId === 0)!.leader;
    const followers = before.find((p) => p.partitionId === 0)!.isr.filter((r) => r !== oldLeader);
    await cluster.broker(oldLeader).kill9();
    await send(100, 200);

    const after = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics[0]!.partitions;
    const p0 = after.find((p) => p.partitionId === 0)!;
    expect(p0.leader).not.toBe(oldLeader);
    expect(followers).toContain(p0.leader);
    expect(p0.isr).not.toContain(oldLeader);
    await admin.disconnect();
    await producer.disconnect();
    // Most sends after the kill were retried by kafkajs until the new leader took them.
    expect(acked.filter((m) => Number(m.key!.slice(1)) >= 100).length).toBeGreaterThan(50);

    const consumed: HistoryMessage[] = [];
    const consumer = kafka.consumer({ groupId: 'cluster-e2e-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const ackedIds = new Set(acked.map((m) => `${m.partition}/${m.key}`));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`consumed ${consumed.length} of ${acked.length} acknowledged messages in 30 s`)),
        30_000,
      );
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          consumed.push({
            partition,
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
            offset: Number(message.offset),
          });
          ackedIds.delete(`${partition}/${message.key?.toString()}`);
          if (ackedIds.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    const report = checkHistory(acked, consumed, { maybe });
    expect({ lost: report.lost, unexpected: report.unexpected }).toEqual({ lost: [], unexpected: [] });
  });

  it('answers NOT_LEADER_OR_FOLLOWER for a produce to a broker that does not lead the partition', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'single', numPartitions: 1, replicationFactor: 1 }] });
    const meta = (await admin.fetchTopicMetadata({ topics: ['single'] })).topics[0]!.partitions[0]!;
    await admin.disconnect();
    const other = cluster.brokers.find((b) => b.running && b.nodeId !== meta.leader)!;
    const raw = await RawKafkaClient.connect(other.port);
    try {
      // The other broker learns of the new topic with its next heartbeat; until then the topic is unknown there.
      let errorCode: number = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      for (let i = 0; i < 100 && errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION; i++) {
        if (i > 0) await sleep(100);
        const w = new Writer();
        ProduceRequest.encode(w, 7, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 5000,
          topicData: [
            {
              name: 'single',
              partitionData: [
                { index: 0, records: encodeRecordBatch({ records: [{ key: null, value: 'x' }] }) },
              ],
            },
          ],
        });
        const body = await raw.request(ApiKey.Produce, 7, w.toBuffer());
        const res: ProduceResponse = ProduceResponse.decode(new Reader(body), 7);
        errorCode = res.responses[0]!.partitionResponses[0]!.errorCode;
      }
      expect(errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    } finally {
      raw.destroy();
    }
  });
});

async function sendOne(producer: Producer, m: HistoryMessage): Promise<void> {
  await producer.send({
    topic: TOPIC,
    acks: -1,
    timeout: 10_000,
    messages: [{ partition: m.partition, key: m.key, value: m.value }],
  });
}
