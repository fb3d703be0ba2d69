import { join } from 'node:path';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { repoRoot } from './repo-root';

/**
 * A kafkajs consumer-group member as a standalone process, speaking the member protocol of
 * group-member-process.ts on stdout (JSON lines). Started by tests with `process.execPath` on the compiled copy
 * (`kafkajsGroupMemberEntry()`), so it can be SIGKILLed like a crashed application.
 *
 * Configuration: one JSON argument, see `KafkajsMemberConfig`. Commits are manual (autoCommit off): after every
 * `commitEvery` processed messages the offsets after them are committed, then reported as a "committed" event.
 */
export interface KafkajsMemberConfig {
  bootstrap: string;
  topic: string;
  group: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs?: number;
  /** Commit after this many processed messages (1: after each). */
  commitEvery?: number;
  /** Stop (leave the group cleanly, without committing the uncommitted tail) after this many messages. */
  stopAfter?: number;
}

/** The compiled entry point (`npm run build` produces it), to run with `process.execPath`. */
export function kafkajsGroupMemberEntry(): string {
  return join(repoRoot(), 'dist', 'libs', 'testing', 'src', 'kafkajs-group-member.js');
}

function emit(e: object): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '') as KafkajsMemberConfig;
  const commitEvery = cfg.commitEvery ?? 1;
  const kafka = new Kafka({
    clientId: `member-${process.pid}`,
    brokers: [cfg.bootstrap],
    logLevel: logLevel.WARN,
    // Logs go to stderr so stdout carries only member-protocol lines.
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) =>
        process.stderr.write(`${logLevel[level]} ${namespace} ${JSON.stringify(log)}\n`),
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const consumer = kafka.consumer({
    groupId: cfg.group,
    sessionTimeout: cfg.sessionTimeoutMs,
    heartbeatInterval: cfg.heartbeatIntervalMs ?? 500,
    rebalanceTimeout: cfg.sessionTimeoutMs * 2,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 500,
  });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    emit({ event: 'assignment', partitions: e.payload.memberAssignment[cfg.topic] ?? [] });
  });
  // kafkajs rebalances eagerly: on rejoin it gives up everything it owned.
  consumer.on(consumer.events.REBALANCING, () => emit({ event: 'assignment', partitions: [] }));
  consumer.on(consumer.events.CRASH, (e) =>
    emit({ event: 'error', message: `consumer crashed: ${String(e.payload.error)}` }),
  );

  let stopping = false;
  let processed = 0;
  let pending = new Map<number, number>();
  const shutdown = async (): Promise<void> => {
    stopping = true;
    await consumer.disconnect();
    emit({ event: 'closed' });
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());

  await consumer.connect();
  await consumer.subscribe({ topic: cfg.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      if (stopping) return;
      const offset = Number(message.offset);
      emit({
        event: 'message',
        partition,
        offset,
        key: message.key?.toString('utf8') ?? null,
        value: message.value?.toString('utf8') ?? null,
      });
      processed++;
      pending.set(partition, offset + 1);
      if (processed % commitEvery === 0) {
        const offsets = pending;
        pending = new Map();
        try {
          await consumer.commitOffsets(
            [...offsets].map(([p, o]) => ({ topic: cfg.topic, partition: p, offset: String(o) })),
          );
          emit({ event: 'committed', offsets: Object.fromEntries(offsets) });
        } catch (e) {
          emit({ event: 'error', message: `commit failed: ${String(e)}` });
        }
      }
      // disconnect() waits for this handler, so it must run after it returns.
      if (cfg.stopAfter !== undefined && processed >= cfg.stopAfter) {
        stopping = true;
        setImmediate(() => void shutdown());
      }
    },
  });
}

if (require.main === module) {
  main().catch((e: unknown) => {
    emit({ event: 'error', message: `kafkajs member failed: ${String(e)}` });
    process.exit(1);
  });
}
