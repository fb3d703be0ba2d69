import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { logger } from '@tributary/common';
import { startBroker, type BrokerHandle } from '@tributary/testing';
import { IdempotentProducer, type ProducerRecord } from '../../apps/connect/src/kafka/idempotent-producer';
import { FatalKafkaError } from '../../apps/connect/src/kafka/broker-links';

/**
 * The connect worker's own producer (ADR 0005) against a real broker process, read back with kafkajs as a black
 * box: partitioning agrees with kafkajs, order and content survive, a broker crash in the middle of sending
 * neither loses nor duplicates an acknowledged record, and errors a retry cannot fix say what to do.
 */
describe('connect worker producer', () => {
  let broker: BrokerHandle;
  let kafka: Kafka;
  let admin: Admin;
  const log = logger('test.producer');

  beforeAll(async () => {
    broker = await startBroker({ config: { 'num.partitions': 3, 'message.max.bytes': 64 * 1024 } });
    kafka = new Kafka({
      clientId: 'producer-check',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.dispose();
  });

  /** Every record of the topic, by partition, in offset order. */
  async function readAll(
    topic: string,
    expected: number,
  ): Promise<
    Map<number, { key: string; value: string; headers: Record<string, string>; timestamp: string }[]>
  > {
    const consumer = kafka.consumer({ groupId: `read-${topic}-${Date.now()}` });
    const out = new Map<
      number,
      { key: string; value: string; headers: Record<string, string>; timestamp: string }[]
    >();
    let n = 0;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          const list = out.get(partition) ?? [];
          list.push({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            headers,
            timestamp: message.timestamp,
          });
          out.set(partition, list);
          if (++n >= expected) resolve();
        },
      });
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
    clearTimeout(timer);
    // Anything beyond `expected` (a duplicate) would show up in the count checked by the caller.
    await new Promise((r) => setTimeout(r, 500));
    await consumer.disconnect();
    return out;
  }

  it('puts keyed records where kafkajs would, in order, with headers and timestamps', async () => {
    const producer = new IdempotentProducer([broker.bootstrap], { clientId: 'w', log, batchBytes: 4096 });
    const signal = new AbortController().signal;
    const partitioner = Partitioners.DefaultPartitioner();
    const meta = [0, 1, 2].map((i) => ({
      partitionId: i,
      partitionErrorCode: 0,
      leader: 0,
      replicas: [0],
      isr: [0],
    }));
    const records: ProducerRecord[] = [];
    for (let i = 0; i < 3000; i++) {
      records.push({
        key: `{"id":${i % 97}}`,
        // Strings are written straight into the batch; a Buffer value must come through unchanged too.
        value: i % 2 === 0 ? `{"n":${i},"text":"ü ☃ ${'x'.repeat(i % 50)}"}` : Buffer.from(`raw ${i}`),
        headers: [{ key: 'source.lsn', value: String(i) }],
        timestamp: 1_700_000_000_000 + i,
      });
    }
    // Two sends: the second continues the first's sequences.
    await producer.send([{ topic: 'keyed', records: records.slice(0, 1000) }], signal);
    await producer.send([{ topic: 'keyed', records: records.slice(1000) }], signal);
    producer.close();

    const got = await readAll('keyed', records.length);
    let total = 0;
    for (const [partition, list] of got) {
      total += list.length;
      let last = -1;
      for (const m of list) {
        const i = Number(m.headers['source.lsn']);
        expect(i).toBeGreaterThan(last); // order kept within the partition
        last = i;
        const r = records[i]!;
        expect(m.key).toBe(r.key);
        expect(m.value).toBe(r.value!.toString());
        expect(m.timestamp).toBe(String(r.timestamp));
        expect(partition).toBe(
          partitioner({
            topic: 'keyed',
            partitionMetadata: meta,
            message: { key: r.key as string, value: null },
          }),
        );
      }
    }
    expect(total).toBe(records.length);
  }, 90_000);

  it('loses and duplicates nothing acknowledged when the broker is killed and restarted mid-send', async () => {
    const producer = new IdempotentProducer([broker.bootstrap], { clientId: 'w2', log, batchBytes: 2048 });
    const signal = new AbortController().signal;
    const batches = 40;
    const perBatch = 500;
    const sending = (async () => {
      for (let b = 0; b < batches; b++) {
        const records: ProducerRecord[] = [];
        for (let i = 0; i < perBatch; i++) {
          const n = b * perBatch + i;
          records.push({ key: `k${n % 31}`, value: `v${n}` });
        }
        await producer.send([{ topic: 'crash', records }], signal);
      }
    })();
    // Kill the broker while batches are in flight, twice.
    for (let k = 0; k < 2; k++) {
      await new Promise((r) => setTimeout(r, 300));
      await broker.kill9();
      await broker.restart();
    }
    await sending;
    producer.close();

    const got = await readAll('crash', batches * perBatch);
    const seen = new Set<string>();
    let total = 0;
    for (const list of got.values()) {
      for (const m of list) {
        total++;
        seen.add(m.value);
      }
    }
    expect(seen.size).toBe(batches * perBatch); // nothing lost
    expect(total).toBe(batches * perBatch); // nothing written twice
  }, 180_000);

  it('fails with what to do when a record is over max.message.bytes, and keeps working afterwards', async () => {
    const producer = new IdempotentProducer([broker.bootstrap], { clientId: 'w3', log });
    const signal = new AbortController().signal;
    const big = 'x'.repeat(100 * 1024);
    await expect(
      producer.send([{ topic: 'limits', records: [{ key: 'a', value: big }] }], signal),
    ).rejects.toThrow(FatalKafkaError);
    await expect(
      producer.send([{ topic: 'limits', records: [{ key: 'a', value: big }] }], signal),
    ).rejects.toThrow(/max\.message\.bytes/);
    await producer.send([{ topic: 'limits', records: [{ key: 'a', value: 'small' }] }], signal);
    producer.close();
    const got = await readAll('limits', 1);
    expect([...got.values()].flat().map((m) => m.value)).toEqual(['small']);
  }, 60_000);

  it('stops retrying a topic that does not exist when aborted, naming the topic and what to do', async () => {
    const strict = await startBroker({ config: { 'auto.create.topics.enable': false } });
    try {
      const producer = new IdempotentProducer([strict.bootstrap], { clientId: 'w4', log });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 1500);
      await expect(
        producer.send([{ topic: 'missing', records: [{ key: null, value: 'v' }] }], ac.signal),
      ).rejects.toThrow(/topic "missing" does not exist.*create it/);
      producer.close();
    } finally {
      await strict.dispose();
    }
  }, 60_000);
});
