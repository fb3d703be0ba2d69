import { CompressionTypes, Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import {
  readPartitions,
  registerKafkajsCodecs,
  startBroker,
  type BrokerHandle,
  type HistoryMessage,
} from '@tributary/testing';
import {
  ALL_CODECS,
  PARTITIONS,
  expectExactRoundTrip,
  expectStoredCodec,
  makeMessages,
  topicName,
  type Codec,
} from './compat-messages';

jest.setTimeout(60_000);

const KJS_CODEC: Record<Codec, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

describe('compat: kafkajs', () => {
  let broker: BrokerHandle;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    registerKafkajsCodecs();
    broker = await startBroker({ config: { 'num.partitions': 3 } });
    kafka = new Kafka({
      clientId: 'compat-kafkajs',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3 },
    });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await broker?.dispose();
  });

  it('creates, describes and deletes topics through the admin client', async () => {
    const topic = topicName('kjs-admin');
    expect(
      await admin.createTopics({
        topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
        waitForLeaders: true,
      }),
    ).toBe(true);
    // Creating it again is not an error for kafkajs (TOPIC_ALREADY_EXISTS is reported as false).
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).toBe(false);

    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics).toHaveLength(1);
    expect(meta.topics[0]!.name).toBe(topic);
    expect(meta.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    for (const p of meta.topics[0]!.partitions) {
      expect(p.partitionErrorCode).toBe(0);
      expect(p.leader).toBeGreaterThanOrEqual(0);
    }
    expect(await admin.listTopics()).toContain(topic);

    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it.each(ALL_CODECS)(
    'round-trips keyed messages with headers across 3 partitions with codec %s',
    async (codec) => {
      const topic = topicName(`kjs-${codec}`);
      await admin.createTopics({
        topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      const sent = makeMessages('kafkajs', codec);
      const results = await producer.send({
        topic,
        acks: -1,
        compression: KJS_CODEC[codec],
        messages: sent.map((m) => ({
          partition: m.partition,
          key: m.key,
          value: m.value,
          headers: m.headers,
        })),
      });
      for (const r of results) expect(r.errorCode).toBe(0);
      expect(results.map((r) => r.partition).sort()).toEqual(PARTITIONS);

      const got = await readPartitions(kafka, topic, PARTITIONS);
      await expectStoredCodec(broker.port, topic, codec);
      expectExactRoundTrip(sent, got as HistoryMessage[]);
    },
  );

  it('reports earliest/latest offsets and finds offsets by timestamp', async () => {
    const topic = topicName('kjs-offsets');
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(await admin.fetchTopicOffsets(topic)).toEqual([
      expect.objectContaining({ partition: 0, low: '0', high: '0', offset: '0' }),
    ]);

    const base = Date.now() - 60_000;
    // Three separate batches with increasing timestamps, so each is its own index entry.
    for (let i = 0; i < 3; i++) {
      await producer.send({
        topic,
        acks: -1,
        messages: [{ partition: 0, key: `k${i}`, value: `v${i}`, timestamp: String(base + i * 10_000) }],
      });
    }
    expect(await admin.fetchTopicOffsets(topic)).toEqual([
      expect.objectContaining({ partition: 0, low: '0', high: '3' }),
    ]);

    expect(await admin.fetchTopicOffsetsByTimestamp(topic, base - 1)).toEqual([
      { partition: 0, offset: '0' },
    ]);
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, base + 5_000)).toEqual([
      { partition: 0, offset: '1' },
    ]);
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, base + 20_000)).toEqual([
      { partition: 0, offset: '2' },
    ]);
    // Past every timestamp: the broker answers -1 and kafkajs substitutes the latest offset.
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, base + 3_600_000)).toEqual([
      { partition: 0, offset: '3' },
    ]);

    const got = await readPartitions(kafka, topic, [0]);
    expect(got.map((m) => [m.offset, m.key, m.value, m.timestamp])).toEqual([
      [0, 'k0', 'v0', base],
      [1, 'k1', 'v1', base + 10_000],
      [2, 'k2', 'v2', base + 20_000],
    ]);
  });

  it('auto-creates a topic with num.partitions on a producer metadata request', async () => {
    const topic = topicName('kjs-auto');
    const autoProducer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: true,
    });
    await autoProducer.connect();
    try {
      const res = await autoProducer.send({
        topic,
        acks: -1,
        messages: [{ partition: 2, key: 'a', value: 'b' }],
      });
      expect(res).toEqual([expect.objectContaining({ partition: 2, errorCode: 0, baseOffset: '0' })]);
    } finally {
      await autoProducer.disconnect();
    }
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]!.partitions).toHaveLength(3);
  });
});
