/**
 * kafkajs 2.2.4 (the connect worker's client) as a load generator. Per-message promises cost ~80 us of client
 * CPU (perf.md section 2), so the producer sends 1000-message batches with several requests in flight and the
 * consumer handles whole batches.
 */
import { Kafka, logLevel, type Message } from 'kafkajs';

export const KAFKAJS_BATCH = 1000;
export const KAFKAJS_IN_FLIGHT = 4;
const STALL_MS = 30_000;

function client(bootstrap: string[]): Kafka {
  return new Kafka({ clientId: 'tributary-bench', brokers: bootstrap, logLevel: logLevel.NOTHING });
}

/** Produces `records` values of `size` bytes to partition 0 with acks=1; seconds from first send to last ack. */
export async function kafkajsProduce(
  bootstrap: string[],
  topic: string,
  records: number,
  size: number,
): Promise<number> {
  // Not idempotent: the worker's idempotent producer allows one request in flight, this measures the pipe.
  const producer = client(bootstrap).producer({ allowAutoTopicCreation: false, idempotent: false });
  await producer.connect();
  try {
    const value = Buffer.alloc(size, 'x');
    const batch: Message[] = Array.from({ length: KAFKAJS_BATCH }, () => ({ value, partition: 0 }));
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < records) {
        const n = Math.min(KAFKAJS_BATCH, records - next);
        next += n;
        const messages = n === KAFKAJS_BATCH ? batch : batch.slice(0, n);
        await producer.sendBatch({ acks: 1, topicMessages: [{ topic, messages }] });
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: KAFKAJS_IN_FLIGHT }, lane));
    return (performance.now() - started) / 1000;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/**
 * Reads `records` values of `size` bytes back with a consumer group and eachBatch; seconds from joining the
 * group to the last record, so the broker's initial rebalance delay (3 s by default) is not counted.
 */
export async function kafkajsConsume(
  bootstrap: string[],
  topic: string,
  records: number,
  size: number,
): Promise<number> {
  const consumer = client(bootstrap).consumer({
    groupId: `bench-${topic}`,
    maxBytesPerPartition: 10 * 1024 * 1024,
    maxBytes: 50 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    let joined = performance.now(); // replaced on GROUP_JOIN; kept only if kafkajs never emits it
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = performance.now()));
    let count = 0;
    let bytes = 0;
    let progressAt = performance.now();
    let finish: (at: number) => void = () => undefined;
    const done = new Promise<number>((resolve) => (finish = resolve));
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) bytes += m.value?.length ?? 0;
        count += batch.messages.length;
        progressAt = performance.now();
        if (count >= records) finish(progressAt);
      },
    });
    const stall = new Promise<never>((_, reject) => {
      const t = setInterval(() => {
        if (performance.now() - progressAt < STALL_MS) return;
        clearInterval(t);
        reject(
          new Error(
            `kafkajs consumer stalled at ${count} of ${records} records of ${topic} (no batch for ${STALL_MS / 1000} s); ` +
              'check the broker log and the Fetch path',
          ),
        );
      }, 1000);
      void done.then(() => clearInterval(t));
    });
    const ended = await Promise.race([done, stall]);
    if (count !== records || bytes !== records * size)
      throw new Error(
        `kafkajs read ${count} records / ${bytes} bytes, expected ${records} / ${records * size}`,
      );
    return (ended - joined) / 1000;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}
