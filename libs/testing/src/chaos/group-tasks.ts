import { sleep } from '../broker-process';
import type { Admin, Consumer } from 'kafkajs';
import type { Rng } from './rng';
import { chaosKafka, withTimeout, type WorkloadContext } from './workload-context';

export const GROUP_SESSION_TIMEOUT_MS = 6000;

/**
 * One kafkajs consumer-group member: subscribes from the beginning, records every fetched batch as a `poll`, and
 * after each batch commits the offset after it (manual commits, autoCommit off), recording the commit. kafkajs
 * restarts the member itself after broker failures (restartOnFailure), re-reading from the committed offsets.
 *
 * A commit is `ok` only when kafkajs reported it done with its COMMIT_OFFSETS event (sent after the broker
 * answered without error): `consumer.commitOffsets` also resolves, without committing anything, when the runner
 * stopped while it retried (kafkajs runner.js returns when `!this.running`), e.g. during a rebalance or a
 * restart after a broker failure. Such a commit is `info`.
 */
export async function kafkajsGroupMemberTask(
  ctx: WorkloadContext,
  proc: string,
  group: string,
): Promise<void> {
  const kafka = chaosKafka(ctx.cluster, `chaos-${proc}`, 10);
  let consumer: Consumer | null = null;
  /** `topic/partition@offset` of commits kafkajs confirmed (COMMIT_OFFSETS event). */
  const confirmed = new Set<string>();
  while (!ctx.stopped()) {
    if (consumer === null) {
      const c = kafka.consumer({
        groupId: group,
        sessionTimeout: GROUP_SESSION_TIMEOUT_MS,
        heartbeatInterval: 500,
        rebalanceTimeout: GROUP_SESSION_TIMEOUT_MS * 2,
        maxWaitTimeInMs: 200,
        allowAutoTopicCreation: false,
        retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 500, restartOnFailure: async () => true },
      });
      try {
        await withTimeout('consumer connect', 10_000, async () => {
          await c.connect();
          await c.subscribe({ topic: ctx.topic, fromBeginning: true });
        });
      } catch {
        await c.disconnect().catch(() => undefined);
        await sleep(300);
        continue;
      }
      consumer = c;
      c.on(c.events.COMMIT_OFFSETS, (e) => {
        for (const t of e.payload.topics)
          for (const p of t.partitions) confirmed.add(`${t.topic}/${p.partition}@${String(p.offset)}`);
      });
      // A crash kafkajs will not restart by itself: drop this member and join again with a fresh one.
      c.on(c.events.CRASH, (e) => {
        if (e.payload.restart || consumer !== c) return;
        consumer = null;
        void c.disconnect().catch(() => undefined);
      });
      await c.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (batch.messages.length === 0) return;
          const poll = ctx.history.invoke({ f: 'poll', process: proc, topic: batch.topic, messages: [] });
          poll.ok({
            messages: batch.messages.map((m) => ({
              partition: batch.partition,
              offset: Number(m.offset),
              value: m.value === null ? null : m.value.toString(),
            })),
          });
          const next = Number(batch.lastOffset()) + 1;
          const op = ctx.history.invoke({
            f: 'commit',
            process: proc,
            topic: batch.topic,
            group,
            offsets: [{ partition: batch.partition, offset: next }],
          });
          try {
            const key = `${batch.topic}/${batch.partition}@${next}`;
            confirmed.delete(key);
            await withTimeout('commit', 10_000, () =>
              c.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(next) }]),
            );
            if (confirmed.delete(key)) op.ok();
            else
              op.info(
                new Error('kafkajs resolved commitOffsets without committing (its runner had stopped)'),
              );
          } catch (e) {
            op.info(e);
          }
        },
      });
    }
    await sleep(100);
  }
  await consumer?.disconnect().catch(() => undefined);
}

/**
 * Reads the group's committed offsets back (OffsetFetch through the admin client) every few hundred ms, so the
 * committed-offsets checker sees what the coordinator returns right after each restart.
 */
export async function committedOffsetsReaderTask(
  ctx: WorkloadContext,
  proc: string,
  group: string,
  rng: Rng,
): Promise<void> {
  // Two retries: a fresh kafkajs admin fails its first coordinator lookup ("No brokers in the broker pool").
  const kafka = chaosKafka(ctx.cluster, `chaos-${proc}`, 2);
  const admin: { current: Admin | null } = { current: null };
  const drop = async (): Promise<void> => {
    const a = admin.current;
    admin.current = null;
    await a?.disconnect().catch(() => undefined);
  };
  while (!ctx.stopped()) {
    const pause = rng.int(100, 500);
    await fetchCommittedOffsets(ctx, proc, group, async () => {
      if (admin.current === null) {
        const a = kafka.admin();
        await a.connect();
        admin.current = a;
      }
      return admin.current;
    }).catch(drop);
    await sleep(pause);
  }
  await drop();
}

/** One recorded `fetch-offsets` op; a read has no effect, so an error is a plain `fail`. Rethrows errors. */
export async function fetchCommittedOffsets(
  ctx: WorkloadContext,
  proc: string,
  group: string,
  admin: () => Promise<Admin>,
): Promise<void> {
  const op = ctx.history.invoke({ f: 'fetch-offsets', process: proc, topic: ctx.topic, group, offsets: [] });
  try {
    const res = await withTimeout('fetch offsets', 5000, async () =>
      (await admin()).fetchOffsets({ groupId: group, topics: [ctx.topic] }),
    );
    const t = res.find((r) => r.topic === ctx.topic);
    op.ok({
      offsets: (t?.partitions ?? []).map((p) => ({ partition: p.partition, offset: Number(p.offset) })),
    });
  } catch (e) {
    op.fail(e);
    throw e;
  }
}
