import { sleep } from '@tributary/connect-sdk';
import type { Batch, Consumer } from 'kafkajs';
import type {
  SinkConnectorDefinition,
  SinkRecord,
  SinkTask,
  SinkTaskContext,
  RecordHeaders,
  TaskSignal,
} from '@tributary/connect-sdk';
import type { TransformRecord } from '../pipeline/connector-spec';
import { fromBytes, toBytes } from './converter';
import { ErrorReporter, withRetries } from './error-policy';
import { baseContext, type TaskDeps, type TaskRunner } from './task-deps';
import { applyTransforms } from './apply-transforms';
import { TaskTopics } from './task-topics';

function headersOf(h: Batch['messages'][number]['headers']): RecordHeaders {
  const out: RecordHeaders = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v[v.length - 1]! : v;
  }
  return out;
}

/**
 * Drives a sink task as a member of the consumer group `<group.prefix><connector>`: convert, transform, put,
 * flush, and only then commit the offsets (delivery invariant 2: a sink commits only what the target
 * acknowledged; failed records went to the DLQ or failed the task, never skipped).
 */
export class SinkTaskRunner implements TaskRunner {
  private readonly abort = new AbortController();
  private consumer: Consumer | null = null;
  private failure: Error | null = null;
  private readonly reporter: ErrorReporter;
  private readonly labels: { connector: string; task: string };
  private finish: (() => void) | null = null;
  private task: SinkTask<unknown> | null = null;

  constructor(
    private readonly def: SinkConnectorDefinition,
    private readonly d: TaskDeps,
  ) {
    this.labels = { connector: d.spec.name, task: String(d.taskId) };
    this.reporter = ErrorReporter.forTask(d);
  }

  async run(): Promise<void> {
    const { d } = this;
    const task = (this.task = this.def.createTask() as SinkTask<unknown>);
    const metrics = d.metrics.forTask(d.spec.name, d.taskId);
    d.tracker.begin('start');
    try {
      await this.startTask(task, metrics);
    } catch (e) {
      metrics.release();
      throw e;
    }
    d.tracker.end();
    try {
      await this.consume(task);
    } finally {
      metrics.release();
    }
    if (this.failure) throw this.failure;
  }

  private async startTask(
    task: SinkTask<unknown>,
    metrics: SinkTaskContext<unknown>['metrics'],
  ): Promise<void> {
    const { d } = this;
    await task.start({
      ...baseContext(d, this.abort.signal),
      topics: new TaskTopics(d.kafka),
      metrics,
      reportErrant: (record, error) =>
        this.reporter.report({
          stage: 'put',
          error,
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          // The DLQ holds the record as the topic did: bytes through the connector's own converter.
          key: toBytes(d.spec.converter.key, record.key),
          value: toBytes(d.spec.converter.value, record.value),
          headers: record.headers,
        }),
    });
  }

  private async consume(task: SinkTask<unknown>): Promise<void> {
    const { d } = this;
    const signal = this.abort.signal;
    const consumer = (this.consumer = d.kafka.kafka.consumer({
      groupId: `${d.groupPrefix}${d.spec.name}`,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
    }));
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    consumer.on(consumer.events.CRASH, (e) => {
      const err = e.payload.error;
      if (!e.payload.restart) this.fail(new Error(`the consumer stopped: ${err.message}`, { cause: err }));
    });
    try {
      d.tracker.begin('subscribe');
      await consumer.connect();
      await this.subscribe(consumer);
      d.tracker.end();
      d.tracker.setState('RUNNING');
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          if (this.failure || signal.aborted) return;
          try {
            await this.whilePaused(heartbeat);
            if (!isRunning() || isStale() || signal.aborted) return;
            await this.handle(task, batch);
            const last = batch.messages[batch.messages.length - 1];
            if (last) resolveOffset(last.offset);
            await heartbeat();
          } catch (e) {
            this.fail(e as Error);
          }
        },
      });
      await done;
    } finally {
      d.tracker.end();
      await consumer.disconnect().catch(() => undefined);
      await task.stop().catch((e: unknown) => d.log.warn({ err: (e as Error).message }, 'task stop failed'));
    }
  }

  /**
   * A sink may start before its topics exist (the source that writes them starts at the same time): wait for
   * them, like a Kafka Connect sink, rather than fail. A long wait shows as STALLED in 'subscribe'.
   */
  private async subscribe(consumer: Consumer): Promise<void> {
    const { d } = this;
    for (let attempt = 0; ; attempt++) {
      try {
        await consumer.subscribe({
          topics: d.spec.topicsRegex ? [new RegExp(d.spec.topicsRegex)] : d.spec.topics,
          fromBeginning: true,
        });
        return;
      } catch (e) {
        const type = (e as { type?: string }).type;
        if (
          type !== 'UNKNOWN_TOPIC_OR_PARTITION' &&
          !/does not host this topic-partition/.test((e as Error).message)
        )
          throw e;
        if (attempt % 30 === 0) d.log.info({ topics: d.spec.topics }, 'waiting for the topics to exist');
        await sleep(1000, this.abort.signal);
        if (this.abort.signal.aborted) return;
      }
    }
  }

  details(): Record<string, unknown> | null {
    return this.task?.status?.() ?? null;
  }

  signal(s: TaskSignal): Promise<Record<string, unknown>> | null {
    return this.task?.signal ? this.task.signal(s) : null;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.finish?.();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.finish?.();
  }

  private async whilePaused(heartbeat: () => Promise<void>): Promise<void> {
    const { d } = this;
    if (!d.pauseGate.isClosed) return;
    d.tracker.setState('PAUSED');
    // Stay in the group while paused: keep heartbeating instead of leaving (which would rebalance).
    while (d.pauseGate.isClosed && !this.abort.signal.aborted) {
      await heartbeat().catch(() => undefined);
      await sleep(1000, this.abort.signal);
    }
    if (!this.abort.signal.aborted) d.tracker.setState('RUNNING');
  }

  private async handle(task: SinkTask<unknown>, batch: Batch): Promise<void> {
    const { d } = this;
    const conv = d.spec.converter;
    const records: SinkRecord[] = [];
    let filtered = 0;
    for (const m of batch.messages) {
      const at = { topic: batch.topic, partition: batch.partition, offset: Number(m.offset) };
      const headers = headersOf(m.headers);
      let stage: 'converter' | 'transform' = 'converter';
      let t: TransformRecord | null;
      try {
        const converted: TransformRecord = {
          topic: batch.topic,
          key: fromBytes(conv.key, m.key ?? null, 'key'),
          value: fromBytes(conv.value, m.value, 'value'),
          headers,
          timestamp: Number(m.timestamp),
        };
        stage = 'transform';
        t = applyTransforms(d.transforms, converted);
      } catch (e) {
        await this.reporter.report({
          stage,
          error: e as Error,
          ...at,
          key: m.key ?? null,
          value: m.value,
          headers,
        });
        continue;
      }
      if (t === null) {
        filtered++;
        continue;
      }
      records.push({
        ...at,
        topic: t.topic,
        key: t.key,
        value: t.value,
        headers: t.headers,
        timestamp: t.timestamp ?? Date.now(),
      });
    }
    const last = batch.messages[batch.messages.length - 1];
    if (!last) return;
    const next = Number(last.offset) + 1;
    const signal = this.abort.signal;
    d.tracker.begin('put');
    await withRetries(d.spec.errors, signal, () => task.put(records));
    d.tracker.begin('flush');
    const offsets = new Map([
      [`${batch.topic}/${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: next }],
    ]);
    await withRetries(d.spec.errors, signal, () => task.flush(offsets));
    d.tracker.begin('commit');
    await this.consumer!.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: String(next) },
    ]);
    d.tracker.end();
    d.metrics.sinkRecords.inc(this.labels, records.length);
    if (filtered > 0) d.metrics.filtered.inc(this.labels, filtered);
    d.metrics.offsetCommits.inc(this.labels);
    d.tracker.progress();
  }
}
