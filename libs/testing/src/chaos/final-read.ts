import { sleep } from '../broker-process';
import { readPartitions } from '../kafkajs-partition-reader';
import { chaosKafka, type WorkloadContext } from './workload-context';

/**
 * The final full read after all faults healed: every partition from offset 0 to its high watermark, recorded as a
 * `read` op. Retries (each attempt its own op; failed reads are plain `fail`s) while the broker finishes recovery.
 */
export async function finalRead(ctx: WorkloadContext, attempts = 20): Promise<void> {
  const partitions = Array.from({ length: ctx.partitions }, (_, i) => i);
  let last: unknown = null;
  for (let i = 0; i < attempts; i++) {
    const op = ctx.history.invoke({ f: 'read', process: 'final', topic: ctx.topic, messages: [] });
    try {
      const got = await readPartitions(chaosKafka(ctx.cluster, 'chaos-final-read', 5), ctx.topic, partitions);
      op.ok({ messages: got.map((m) => ({ partition: m.partition, offset: m.offset, value: m.value })) });
      return;
    } catch (e) {
      op.fail(e);
      last = e;
      await sleep(500);
    }
  }
  throw new Error(`the final read of ${ctx.topic} failed ${attempts} times; last error: ${String(last)}`);
}
