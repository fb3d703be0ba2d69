import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { ApiKey, ErrorCode, Reader, Writer } from '@tributary/protocol';
import {
  RawKafkaClient,
  checkHistory,
  decodeListOffsetsV1Response,
  decodeProduceV3Response,
  describeRun,
  encodeListOffsetsV1,
  encodeProduceV3,
  encodeRecordBatch,
  readPartitions,
  runCmd,
  sleep,
  startBroker,
  type BrokerHandle,
  type HistoryMessage,
} from '@tributary/testing';

jest.setTimeout(180_000);

const SYSTEM_PYTHON = '/usr/bin/python3';

function client(broker: BrokerHandle, id: string, retries = 0): Kafka {
  return new Kafka({
    clientId: id,
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

async function initProducerId(
  c: RawKafkaClient,
  transactionalId: string | null = null,
  version = 0,
): Promise<{ errorCode: number; producerId: number; epoch: number }> {
  const body = new Writer(64).nullableString(transactionalId).int32(60_000).toBuffer();
  const r = new Reader(await c.request(ApiKey.InitProducerId, version, body));
  r.int32(); // throttle_time_ms
  return { errorCode: r.int16(), producerId: r.int64(), epoch: r.int16() };
}

async function produce(
  c: RawKafkaClient,
  topic: string,
  batch: Buffer,
  partition = 0,
): Promise<{ errorCode: number; baseOffset: number }> {
  const [res] = decodeProduceV3Response(
    await c.request(ApiKey.Produce, 3, encodeProduceV3(topic, partition, batch)),
  );
  return { errorCode: res!.errorCode, baseOffset: res!.baseOffset };
}

async function logEnd(c: RawKafkaClient, topic: string, partition = 0): Promise<number> {
  const [res] = decodeListOffsetsV1Response(
    await c.request(ApiKey.ListOffsets, 1, encodeListOffsetsV1(topic, partition, -1)),
  );
  return res!.offset;
}

function idempotentBatch(
  producerId: number,
  producerEpoch: number,
  baseSequence: number,
  records = 1,
  compression: 0 | 1 = 0,
): Buffer {
  return encodeRecordBatch({
    records: Array.from({ length: records }, (_, i) => ({
      key: `k${baseSequence + i}`,
      value: `seq ${baseSequence + i} epoch ${producerEpoch}`,
    })),
    producerId,
    producerEpoch,
    baseSequence,
    compression,
  });
}

/** Per partition, the keys of the sent messages in send order must come back once each, at contiguous offsets. */
function expectExactlyOnce(
  sent: HistoryMessage[],
  consumed: HistoryMessage[],
  maybe: HistoryMessage[],
  broker: BrokerHandle,
  what: string,
): void {
  const report = checkHistory(sent, consumed, { maybe, contiguousOffsets: true });
  if (!report.ok)
    throw new Error(`${what}: ${report.summary}\n--- broker logs ---\n${broker.logs().slice(-4000)}`);
}

describe('idempotent producer', () => {
  let broker: BrokerHandle;
  let admin: Admin;

  const createTopic = async (topic: string, numPartitions = 1): Promise<void> => {
    await admin.createTopics({
      topics: [{ topic, numPartitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  };

  beforeAll(async () => {
    broker = await startBroker({ config: { 'auto.create.topics.enable': false } });
    admin = client(broker, 'idempotence-admin', 5).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await broker?.dispose();
  });

  describe('on the wire', () => {
    let raw: RawKafkaClient;
    beforeEach(async () => {
      raw = await RawKafkaClient.connect(broker.port);
    });
    afterEach(() => raw.destroy());

    it('InitProducerId v0 and v1 hand out distinct ids with epoch 0 and refuse transactional ids', async () => {
      const a = await initProducerId(raw, null, 0);
      const b = await initProducerId(raw, null, 1);
      expect(a).toMatchObject({ errorCode: ErrorCode.NONE, epoch: 0 });
      expect(b).toMatchObject({ errorCode: ErrorCode.NONE, epoch: 0 });
      expect(b.producerId).not.toBe(a.producerId);
      expect(await initProducerId(raw, 'my-txn')).toEqual({
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        producerId: -1,
        epoch: -1,
      });
      // The broker says why in its log (the pipe from the child may deliver it a moment later).
      for (let i = 0; i < 50 && !/transactions are not supported/.test(broker.logs()); i++) await sleep(50);
      expect(broker.logs()).toMatch(/transactions are not supported/);
    });

    it('answers a duplicate with its original offset and stores it once; gaps and stale epochs are refused', async () => {
      const topic = 'idem-raw';
      await createTopic(topic);
      const { producerId } = await initProducerId(raw);
      const first = idempotentBatch(producerId, 0, 0, 3);
      expect(await produce(raw, topic, first)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0 });
      expect(await produce(raw, topic, idempotentBatch(producerId, 0, 3, 2))).toEqual({
        errorCode: ErrorCode.NONE,
        baseOffset: 3,
      });
      // The retry of the first batch: original offset, nothing appended.
      expect(await produce(raw, topic, first)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0 });
      expect(await logEnd(raw, topic)).toBe(5);
      // Sequence 7 when 5 is expected.
      expect((await produce(raw, topic, idempotentBatch(producerId, 0, 7))).errorCode).toBe(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      );
      // A new epoch must start at 0; once it has, the old epoch is fenced.
      expect((await produce(raw, topic, idempotentBatch(producerId, 1, 5))).errorCode).toBe(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      );
      expect(await produce(raw, topic, idempotentBatch(producerId, 1, 0))).toEqual({
        errorCode: ErrorCode.NONE,
        baseOffset: 5,
      });
      expect((await produce(raw, topic, idempotentBatch(producerId, 0, 5))).errorCode).toBe(
        ErrorCode.INVALID_PRODUCER_EPOCH,
      );
      expect(await logEnd(raw, topic)).toBe(6);

      const stored = await readPartitions(client(broker, 'idem-raw-reader'), topic, [0]);
      expect(stored.map((m) => [m.offset, m.key])).toEqual([
        [0, 'k0'],
        [1, 'k1'],
        [2, 'k2'],
        [3, 'k3'],
        [4, 'k4'],
        [5, 'k0'],
      ]);
    });

    it('dedupes a retry pipelined right behind the original, also for compressed batches', async () => {
      const topic = 'idem-pipelined';
      await createTopic(topic);
      const { producerId } = await initProducerId(raw);
      const plain = idempotentBatch(producerId, 0, 0, 4);
      const gzipped = idempotentBatch(producerId, 0, 4, 4, 1);
      // All four are on the wire before the first answer; each is judged after the ones before it.
      const answers = await Promise.all([
        produce(raw, topic, plain),
        produce(raw, topic, plain),
        produce(raw, topic, gzipped),
        produce(raw, topic, gzipped),
      ]);
      expect(answers).toEqual([
        { errorCode: ErrorCode.NONE, baseOffset: 0 },
        { errorCode: ErrorCode.NONE, baseOffset: 0 },
        { errorCode: ErrorCode.NONE, baseOffset: 4 },
        { errorCode: ErrorCode.NONE, baseOffset: 4 },
      ]);
      expect(await logEnd(raw, topic)).toBe(8);
    });

    it('still recognises retries after kill -9 (state rebuilt from the log) and after a clean restart (snapshot)', async () => {
      const topic = 'idem-restart';
      await createTopic(topic);
      const { producerId } = await initProducerId(raw);
      const batches = Array.from({ length: 6 }, (_, i) => idempotentBatch(producerId, 0, i * 2, 2));
      for (const [i, b] of batches.entries())
        expect(await produce(raw, topic, b)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: i * 2 });
      raw.destroy();

      await broker.kill9();
      await broker.restart();
      raw = await RawKafkaClient.connect(broker.port);
      // The last five batches are still known; the sixth-newest fell out of the window and is not the next sequence.
      for (let i = 1; i < 6; i++)
        expect(await produce(raw, topic, batches[i]!)).toEqual({
          errorCode: ErrorCode.NONE,
          baseOffset: i * 2,
        });
      expect((await produce(raw, topic, batches[0]!)).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      expect((await produce(raw, topic, idempotentBatch(producerId, 0, 13))).errorCode).toBe(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      );
      const next = idempotentBatch(producerId, 0, 12);
      expect(await produce(raw, topic, next)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 12 });
      // Ids handed out after the crash never repeat one from before it.
      expect((await initProducerId(raw)).producerId).toBeGreaterThan(producerId);
      raw.destroy();

      await broker.restart(); // SIGTERM: the shutdown writes producer-state snapshots
      expect(existsSync(join(broker.dataDir, `${topic}-0`, 'producer-state.json'))).toBe(true);
      raw = await RawKafkaClient.connect(broker.port);
      expect(await produce(raw, topic, next)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 12 });
      expect(await produce(raw, topic, batches[5]!)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 10 });
      expect(await logEnd(raw, topic)).toBe(13);
    });
  });

  it('kafkajs idempotent producer: every message once, in order', async () => {
    const topic = 'idem-kafkajs';
    const partitions = [0, 1, 2];
    await createTopic(topic, partitions.length);
    const kafka = client(broker, 'idem-kafkajs', 5);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const sent: HistoryMessage[] = [];
    for (let round = 0; round < 30; round++) {
      const messages = partitions.flatMap((partition) =>
        Array.from({ length: 5 }, (_, i) => ({
          partition,
          key: `p${partition}-${round * 5 + i}`,
          value: `round ${round} message ${i}`,
        })),
      );
      const results = await producer.send({ topic, messages });
      for (const r of results) expect(r.errorCode).toBe(0);
      sent.push(...messages);
    }
    await producer.disconnect();
    expectExactlyOnce(
      sent,
      await readPartitions(kafka, topic, partitions),
      [],
      broker,
      'kafkajs idempotent produce',
    );
  });

  it('librdkafka (kcat) with enable.idempotence=true: every message once, in order', async () => {
    const topic = 'idem-kcat';
    await createTopic(topic);
    const sent: HistoryMessage[] = Array.from({ length: 500 }, (_, i) => ({
      partition: 0,
      key: `k${i}`,
      value: `v${i}`,
    }));
    const input = sent.map((m) => `${m.key}:${m.value}`).join('\n') + '\n';
    const args = [
      '-b',
      broker.bootstrap,
      '-P',
      '-t',
      topic,
      '-p',
      '0',
      '-K:',
      '-q',
      '-X',
      'enable.idempotence=true',
      '-X',
      'linger.ms=1',
      '-X',
      'batch.num.messages=20',
    ];
    const r = await runCmd('kcat', args, { input, timeoutMs: 60_000 });
    if (r.code !== 0 || /fail|error/i.test(r.stderr))
      throw new Error(`kcat idempotent produce failed: ${describeRun('kcat', r)}`);
    expectExactlyOnce(
      sent,
      await readPartitions(client(broker, 'idem-kcat-reader'), topic, [0]),
      [],
      broker,
      'kcat idempotent produce',
    );
  });

  it('kafkajs idempotent producer with retries rides out kill -9 and restart without duplicates or gaps', async () => {
    const topic = 'idem-kafkajs-crash';
    const partitions = [0, 1, 2];
    const perPartition = 400;
    await createTopic(topic, partitions.length);
    const kafka = client(broker, 'idem-kafkajs-crash', 40);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();

    const acked: HistoryMessage[] = [];
    const failed: HistoryMessage[] = [];
    let crash: Promise<void> | null = null;
    const loop = async (partition: number): Promise<void> => {
      for (let i = 0; i < perPartition; i++) {
        const message: HistoryMessage = { partition, key: `p${partition}-${i}`, value: `value ${i}` };
        try {
          await producer.send({ topic, messages: [{ partition, key: message.key, value: message.value }] });
          acked.push(message);
        } catch {
          failed.push(message);
          return; // later sequences could not follow a failed one
        }
        // A moment after an ack, so the kill lands while the next requests are being appended and fsynced.
        if (acked.length === 300 && crash === null)
          crash = sleep(2)
            .then(() => broker.kill9())
            .then(() => broker.restart());
      }
    };
    await Promise.all(partitions.map(loop));
    await crash;
    await producer.disconnect().catch(() => undefined);

    expect(crash).not.toBeNull();
    expect(failed).toEqual([]);
    const consumed = await readPartitions(client(broker, 'idem-kafkajs-crash-reader'), topic, partitions);
    expect(consumed).toHaveLength(partitions.length * perPartition);
    expectExactlyOnce(acked, consumed, [], broker, 'kafkajs across kill -9');
  });

  it('librdkafka idempotent producer (confluent-kafka) rides out kill -9 and restart without duplicates or gaps', async () => {
    const topic = 'idem-librdkafka-crash';
    const partitions = [0, 1, 2];
    const count = 1500;
    await createTopic(topic, partitions.length);
    const script = join(__dirname, 'py', 'idempotent_producer.py');
    const run = runCmd(SYSTEM_PYTHON, [script], {
      input: JSON.stringify({ bootstrap: broker.bootstrap, topic, partitions, count, pause_ms: 2 }),
      timeoutMs: 170_000,
    });
    let finished = false;
    void run.then(
      () => (finished = true),
      () => (finished = true),
    );

    // Crash once a few hundred messages are in, while the producer keeps sending.
    const watcher = await RawKafkaClient.connect(broker.port);
    let stored = 0;
    while (!finished && stored < 600) {
      stored = 0;
      for (const p of partitions) stored += await logEnd(watcher, topic, p);
      await sleep(20);
    }
    watcher.destroy();
    expect(finished).toBe(false);
    await broker.kill9();
    await broker.restart();

    const r = await run;
    if (r.code !== 0)
      throw new Error(`idempotent_producer.py failed: ${describeRun('idempotent_producer.py', r)}`);
    const result = JSON.parse(r.stdout) as {
      acked: (HistoryMessage & { offset: number })[];
      errors: string[];
    };
    expect(result.errors).toEqual([]);
    expect(result.acked).toHaveLength(count * partitions.length);

    const sent: HistoryMessage[] = partitions.flatMap((partition) =>
      Array.from({ length: count }, (_, i) => ({ partition, key: `p${partition}-${i}`, value: String(i) })),
    );
    const consumed = await readPartitions(client(broker, 'idem-librdkafka-reader'), topic, partitions);
    expectExactlyOnce(sent, consumed, [], broker, 'librdkafka across kill -9');
    // Each acknowledged offset holds the message it was acknowledged for.
    const at = new Map(consumed.map((m) => [`${m.partition}@${m.offset}`, m.key]));
    for (const a of result.acked) expect(at.get(`${a.partition}@${a.offset}`)).toBe(a.key);
  });
});
