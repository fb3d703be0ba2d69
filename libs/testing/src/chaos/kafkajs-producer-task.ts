import { sleep } from '../broker-process';
import type { Producer } from 'kafkajs';
import type { Rng } from './rng';
import { chaosKafka, withTimeout, type WorkloadContext } from './workload-context';

export interface ProducerTaskOptions {
  /** Pause between sends, drawn per send from this range (ms). */
  pauseMs: [number, number];
  idempotent: boolean;
}

/**
 * One kafkajs producer process: sends `<proc>-<seq>` values one at a time with acks=all to partitions chosen by
 * its own random stream, recording each send. After an unknown outcome it drops the producer and starts a new
 * one (new producer id), like an application would: reusing an idempotent producer whose last send failed makes
 * kafkajs reuse that send's sequence number for the next message.
 */
export async function kafkajsProducerTask(
  ctx: WorkloadContext,
  proc: string,
  rng: Rng,
  opts: ProducerTaskOptions,
): Promise<void> {
  const kafka = chaosKafka(ctx.cluster, `chaos-${proc}`);
  let producer: Producer | null = null;
  const drop = async (): Promise<void> => {
    const p = producer;
    producer = null;
    await p?.disconnect().catch(() => undefined);
  };
  for (let seq = 0; !ctx.stopped(); seq++) {
    // Drawn before anything can fail, so the sequence of choices depends on the seed only.
    const partition = rng.int(0, ctx.partitions - 1);
    const pause = rng.int(opts.pauseMs[0], opts.pauseMs[1]);
    while (producer === null && !ctx.stopped()) {
      const p = kafka.producer({
        idempotent: opts.idempotent,
        maxInFlightRequests: opts.idempotent ? 1 : 5,
        allowAutoTopicCreation: false,
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 500 },
      });
      try {
        await withTimeout('producer connect', 5000, () => p.connect());
        producer = p;
      } catch {
        await p.disconnect().catch(() => undefined);
        await sleep(200);
      }
    }
    if (producer === null) break;
    const value = `${proc}-${seq}`;
    const op = ctx.history.invoke({
      f: 'send',
      process: proc,
      topic: ctx.topic,
      partition,
      key: value,
      value,
    });
    try {
      const p: Producer = producer;
      const [res] = await withTimeout('send', 15_000, () =>
        p.send({ topic: ctx.topic, acks: -1, messages: [{ key: value, value, partition }] }),
      );
      if (!res || res.errorCode !== 0)
        throw new Error(`produce answered ${JSON.stringify(res)} without throwing; expected error code 0`);
      op.ok({ partition: res.partition, offset: Number(res.baseOffset) });
    } catch (e) {
      // Timeouts, lost connections, retries exhausted: the batch may or may not be stored.
      op.info(e);
      await drop();
    }
    await sleep(pause);
  }
  await drop();
}
