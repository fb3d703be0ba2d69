import { Kafka, logLevel, type Admin } from 'kafkajs';
import { ApiKey, encodeRequestFrame, ErrorCode } from '@tributary/protocol';
import {
  RawKafkaClient,
  corruptBatchCrc,
  decodeApiVersionsV0,
  decodeListOffsetsV1Response,
  decodeProduceV3Response,
  encodeListOffsetsV1,
  encodeMagicV1MessageSet,
  encodeProduceV3,
  encodeRecordBatch,
  gzipBomb,
  startBroker,
  type BrokerHandle,
} from '@tributary/testing';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
const int32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v, 0);
  return b;
};
const compactString = (s: string): Buffer =>
  Buffer.concat([Buffer.from([Buffer.byteLength(s) + 1]), Buffer.from(s)]);

/**
 * Hostile and malformed input over raw sockets. Each case checks the offending connection's fate and that the
 * broker still serves a fresh connection afterwards.
 */
describe('broker: bad input on the wire', () => {
  let broker: BrokerHandle;
  let admin: Admin;
  const topic = 'bad-input';

  beforeAll(async () => {
    broker = await startBroker({ config: { 'auto.create.topics.enable': false } });
    const kafka = new Kafka({
      clientId: 'bad-input',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  });
  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await broker?.dispose();
  });

  async function expectBrokerServes(): Promise<void> {
    const c = await RawKafkaClient.connect(broker.port);
    const res = decodeApiVersionsV0(await c.request(ApiKey.ApiVersions, 0, Buffer.alloc(0)));
    expect(res.errorCode).toBe(ErrorCode.NONE);
    expect(res.apiKeys.length).toBeGreaterThan(0);
    c.destroy();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]!.partitions).toHaveLength(1);
  }

  async function produce(records: Buffer): Promise<{ errorCode: number; baseOffset: number }> {
    const c = await RawKafkaClient.connect(broker.port);
    try {
      const [res] = decodeProduceV3Response(
        await c.request(ApiKey.Produce, 3, encodeProduceV3(topic, 0, records)),
      );
      return res!;
    } finally {
      c.destroy();
    }
  }

  async function latestOffset(): Promise<number> {
    const c = await RawKafkaClient.connect(broker.port);
    try {
      const [res] = decodeListOffsetsV1Response(
        await c.request(ApiKey.ListOffsets, 1, encodeListOffsetsV1(topic, 0, -1)),
      );
      expect(res!.errorCode).toBe(ErrorCode.NONE);
      return res!.offset;
    } finally {
      c.destroy();
    }
  }

  it.each([
    ['0x7FFFFFFF (over socket.request.max.bytes)', 0x7fffffff],
    ['negative', -1],
    ['most negative', -0x80000000],
    ['zero', 0],
  ])('closes the connection on a frame length of %s', async (_name, size) => {
    const c = await RawKafkaClient.connect(broker.port);
    c.sendRaw(Buffer.concat([int32(size), Buffer.alloc(16, 1)]));
    expect(await c.waitClosed()).toBe(true);
    await expectBrokerServes();
  });

  it('closes a connection that claims 50 MB, sends 10 bytes and ends, without allocating for the claim', async () => {
    const before = broker.rssBytes();
    // Ten peers each claiming 50 MB: a broker that allocated up front would grow by ~500 MB.
    const liars = await Promise.all(Array.from({ length: 10 }, () => RawKafkaClient.connect(broker.port)));
    for (const c of liars) c.sendRaw(Buffer.concat([int32(50 * MiB), Buffer.alloc(10, 7)]));
    await expectBrokerServes();
    const during = broker.rssBytes();
    for (const c of liars) c.end();
    for (const c of liars) expect(await c.waitClosed()).toBe(true);
    if (before !== null && during !== null) expect(during - before).toBeLessThan(200 * MiB);
    await expectBrokerServes();
  });

  it('closes the connection on a truncated frame (stream ends mid-request)', async () => {
    const c = await RawKafkaClient.connect(broker.port);
    const full = encodeRequestFrame(
      ApiKey.Metadata,
      1,
      1,
      Buffer.from([0, 0, 0, 1, 0, 3, 0x61, 0x62, 0x63]),
      'raw-test',
    );
    c.sendRaw(full.subarray(0, full.length - 4));
    c.end();
    expect(await c.waitClosed()).toBe(true);
    await expectBrokerServes();
  });

  it('closes the connection on a frame whose body is shorter than its header', async () => {
    const c = await RawKafkaClient.connect(broker.port);
    c.sendRaw(Buffer.concat([int32(3), Buffer.from([0, 18, 0])]));
    expect(await c.waitClosed()).toBe(true);
    await expectBrokerServes();
  });

  it('closes the connection on unknown api key 999', async () => {
    const c = await RawKafkaClient.connect(broker.port);
    await expect(c.request(999, 0, Buffer.alloc(0))).rejects.toThrow(/closed/);
    expect(await c.waitClosed()).toBe(true);
    await expectBrokerServes();
  });

  it('closes the connection on an unsupported version of a known API (Metadata v99)', async () => {
    const c = await RawKafkaClient.connect(broker.port);
    await expect(c.request(ApiKey.Metadata, 99, int32(-1))).rejects.toThrow(/closed/);
    expect(await c.waitClosed()).toBe(true);
    await expectBrokerServes();
  });

  it('answers ApiVersions v3 with UNSUPPORTED_VERSION in the v0 layout listing the supported ranges', async () => {
    const c = await RawKafkaClient.connect(broker.port);
    const v0 = decodeApiVersionsV0(await c.request(ApiKey.ApiVersions, 0, Buffer.alloc(0)));
    // A real v3 request: request header v2 (tagged fields after client id) and a compact body.
    const v3Body = Buffer.concat([
      Buffer.from([0]),
      compactString('tributary-test'),
      compactString('1.0.0'),
      Buffer.from([0]),
    ]);
    const v3 = decodeApiVersionsV0(await c.request(ApiKey.ApiVersions, 3, v3Body));
    expect(v3.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(v3.apiKeys).toEqual(v0.apiKeys);
    expect(v0.apiKeys).toContainEqual({ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 });
    expect(v0.apiKeys).toContainEqual(expect.objectContaining({ apiKey: ApiKey.Produce, minVersion: 0 }));
    // The client retries at a supported version on the same connection.
    const v2 = await c.request(ApiKey.ApiVersions, 2, Buffer.alloc(0));
    expect(v2.readInt16BE(0)).toBe(ErrorCode.NONE);
    c.destroy();
  });

  it('appends a valid batch, then rejects a batch with a bad CRC (CORRUPT_MESSAGE) without appending', async () => {
    const good = await produce(
      encodeRecordBatch({ records: [{ key: 'k', value: 'good', headers: { h: '1' } }] }),
    );
    expect(good.errorCode).toBe(ErrorCode.NONE);
    const before = await latestOffset();
    expect(before).toBe(good.baseOffset + 1);

    const bad = await produce(
      corruptBatchCrc(encodeRecordBatch({ records: [{ key: 'k', value: 'bad crc' }] })),
    );
    expect(bad.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(await latestOffset()).toBe(before);
  });

  it('rejects a batch over message.max.bytes with MESSAGE_TOO_LARGE', async () => {
    const before = await latestOffset();
    const big = encodeRecordBatch({ records: [{ key: 'big', value: Buffer.alloc(1_200_000, 0x61) }] });
    const res = await produce(big);
    expect(res.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(await latestOffset()).toBe(before);
    await expectBrokerServes();
  });

  it('rejects a magic-1 message set in Produce v3 with CORRUPT_MESSAGE', async () => {
    const before = await latestOffset();
    const res = await produce(encodeMagicV1MessageSet('k', 'legacy'));
    expect(res.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(await latestOffset()).toBe(before);
  });

  it('rejects a gzip bomb with an error code and stays up with bounded memory', async () => {
    const before = await latestOffset();
    const rssBefore = broker.rssBytes();
    const bomb = encodeRecordBatch({
      records: [{ key: 'x', value: 'y' }],
      compression: 1,
      rawRecordsSection: await gzipBomb(),
    });
    expect(bomb.length).toBeLessThan(1_000_000); // under message.max.bytes, so only inflation can catch it
    const res = await produce(bomb);
    expect(res.errorCode).not.toBe(ErrorCode.NONE);
    expect(await latestOffset()).toBe(before);
    await expectBrokerServes();
    const rssAfter = broker.rssBytes();
    if (rssBefore !== null && rssAfter !== null) expect(rssAfter - rssBefore).toBeLessThan(256 * MiB);
  });
});
