import { sleep } from '@tributary/connect-sdk';
import type { Batch, Consumer, EachBatchPayload } from 'kafkajs';
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

/** Commits failing in a row (each after kafkajs's own retries) before the task fails. */
const MAX_COMMIT_FAILURES = 3;
const COMMIT_RETRY_MS = 1000;

/**
 * Commit errors that mean the group moved on (a rebalance, or this member was evicted). Not a reason to fail:
 * kafkajs rejoins, and a revoked partition's uncommitted records go to its next owner again (at-least-once).
 */
const GROUP_CHANGED = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);
const groupChanged = (e: unknown): boolean => GROUP_CHANGED.has((e as { type?: string }).type ?? '');

interface PartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to consume, as Kafka commits it. */
  offset: number;
}
const keyOf = (topic: string, partition: number): string => `${topic}/${partition}`;

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
 * acknowledged; failed records went to the DLQ or failed the task, never skipped). The commit runs behind the
 * next fetch rather than before it (see `scheduleCommit`); a stop or failure commits everything flushed before
 * the consumer leaves the group.
 */
export class SinkTaskRunner implements TaskRunner {
  private readonly abort = new AbortController();
  private consumer: Consumer | null = null;
  private failure: Error | null = null;
  private readonly reporter: ErrorReporter;
  private readonly labels: { connector: string; task: string };
  private finish: (() => void) | null = null;
  private task: SinkTask<unknown> | null = null;
  /** The eachBatch call in progress: a stop waits for it, as it may still flush, before the last commit. */
  private inBatch: Promise<void> = Promise.resolve();
  /** Flushed offsets not yet sent in a commit, by topic/partition; a later flush replaces an earlier one. */
  private readonly uncommitted = new Map<string, PartitionOffset>();
  /** The tail of the commit chain: one OffsetCommit in flight at a time, in order. Never rejects. */
  private commits: Promise<void> = Promise.resolve();
  private commitQueued = false;
  private commitFailures = 0;
  /** A retry of a refused commit: an idle partition gets no next batch that would carry its offsets. */
  private commitRetry: NodeJS.Timeout | null = null;
  /** topic/partition keys this member owns since its last group join; null before the first. */
  private assigned: Set<string> | null = null;

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
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.onAssignment(e.payload.memberAssignment));
    try {
      d.tracker.begin('subscribe');
      await consumer.connect();
      await this.subscribe(consumer);
      d.tracker.end();
      d.tracker.setState('RUNNING');
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => (this.inBatch = this.eachBatch(task, payload)),
      });
      await done;
    } finally {
      d.tracker.end();
      // kafkajs drops commits once the consumer stops: let the batch in hand finish (later ones return at once
      // now), commit everything flushed, and only then leave the group, so a clean stop repeats nothing. Not
      // when commits are what failed: another attempt would only hold up the stop by kafkajs's retries.
      await this.inBatch.catch(() => undefined);
      if (this.commitFailures < MAX_COMMIT_FAILURES) {
        d.tracker.begin('commit');
        await this.scheduleCommit();
        d.tracker.end();
      }
      await consumer.disconnect().catch(() => undefined);
      await task.stop().catch((e: unknown) => d.log.warn({ err: (e as Error).message }, 'task stop failed'));
    }
  }

  private async eachBatch(
    task: SinkTask<unknown>,
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
  ): Promise<void> {
    const signal = this.abort.signal;
    if (this.failure || signal.aborted) return;
    try {
      await this.whilePaused(heartbeat);
      if (!isRunning() || isStale() || signal.aborted) return;
      await this.handle(task, batch);
      const last = batch.messages[batch.messages.length - 1];
      if (last) resolveOffset(last.offset);
      await heartbeat();
    } catch (e) {
      if (groupChanged(e)) {
        // The heartbeat saw a rebalance: commit what was flushed while this generation still may (partitions
        // are revoked once kafkajs rejoins), then let kafkajs rejoin instead of failing the task.
        await this.commits;
        throw e;
      }
      this.fail(e as Error);
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
    if (this.commitRetry) clearTimeout(this.commitRetry);
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
    const at = { topic: batch.topic, partition: batch.partition, offset: next };
    const key = keyOf(batch.topic, batch.partition);
    await withRetries(d.spec.errors, signal, () => task.flush(new Map([[key, at]])));
    d.tracker.end();
    // Only now, with everything up to `next` flushed, may `next` be committed.
    this.uncommitted.set(key, at);
    void this.scheduleCommit();
    d.metrics.sinkRecords.inc(this.labels, records.length);
    if (filtered > 0) d.metrics.filtered.inc(this.labels, filtered);
    d.tracker.progress();
  }

  /**
   * Commits the flushed offsets without holding up the next fetch (the OffsetCommit is fsynced by the broker,
   * and a record arriving meanwhile would wait for it). One commit in flight, the next queued behind it; the
   * queued one takes every offset flushed by the time it starts, so commits coalesce under load. Returns the
   * chain's tail.
   */
  private scheduleCommit(): Promise<void> {
    if (!this.commitQueued && this.uncommitted.size > 0) {
      this.commitQueued = true;
      this.commits = this.commits.then(() => this.commitUncommitted());
    }
    return this.commits;
  }

  private async commitUncommitted(): Promise<void> {
    const { d } = this;
    this.commitQueued = false;
    const offsets = [...this.uncommitted.values()];
    this.uncommitted.clear();
    if (offsets.length === 0 || !this.consumer) return;
    try {
      await this.consumer.commitOffsets(
        offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
      );
      this.commitFailures = 0;
      d.metrics.offsetCommits.inc(this.labels);
    } catch (e) {
      const err = e as Error;
      // Offsets are cumulative: the next commit carries these too, unless a later flush already replaced them
      // or the partition went to another member.
      for (const o of offsets) {
        const key = keyOf(o.topic, o.partition);
        if (!this.uncommitted.has(key) && (this.assigned?.has(key) ?? true)) this.uncommitted.set(key, o);
      }
      this.retryCommitLater();
      if (groupChanged(e)) {
        d.log.info({ err: err.message }, 'offset commit refused by a rebalance; committing again after it');
        return;
      }
      this.commitFailures++;
      d.log.warn(
        { err: err.message, failures: this.commitFailures },
        'offset commit failed; the next commit carries its offsets',
      );
      if (this.commitFailures >= MAX_COMMIT_FAILURES)
        this.fail(
          new Error(
            `${this.commitFailures} offset commits in a row failed, the last with: ${err.message}. ` +
              'The records since the last commit are delivered again after a restart.',
            { cause: err },
          ),
        );
    }
  }

  /** Commits the re-queued offsets again in a second, unless a batch or a join commits them first. */
  private retryCommitLater(): void {
    if (this.commitRetry || this.abort.signal.aborted || this.failure) return;
    this.commitRetry = setTimeout(() => {
      this.commitRetry = null;
      if (!this.abort.signal.aborted && !this.failure) void this.scheduleCommit();
    }, COMMIT_RETRY_MS);
    this.commitRetry.unref();
  }

  /**
   * After a (re)join: a revoked partition's offsets are its new owner's to commit now (committing ours with the
   * new generation could move its offset back), and the rest, refused while the group rebalanced, go again.
   */
  private onAssignment(assignment: Record<string, number[]>): void {
    const owned = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment))
      for (const p of partitions) owned.add(keyOf(topic, p));
    this.assigned = owned;
    for (const key of this.uncommitted.keys()) if (!owned.has(key)) this.uncommitted.delete(key);
    void this.scheduleCommit();
  }
}
