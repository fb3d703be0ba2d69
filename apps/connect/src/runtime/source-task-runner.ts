import { sleep } from '@tributary/connect-sdk';
import type { Message } from 'kafkajs';
import type {
  TaskSignal,
  SourceConnectorDefinition,
  SourcePosition,
  SourceRecord,
  SourceTask,
} from '@tributary/connect-sdk';
import type { TransformRecord } from '../pipeline/connector-spec';
import { canonicalJson } from '@tributary/common';
import { toBytes } from './converter';
import { ErrorReporter, TaskFailure } from './error-policy';
import { baseContext, type TaskDeps, type TaskRunner } from './task-deps';
import { applyTransforms } from './apply-transforms';

/**
 * Drives a source task: poll, transform, convert, send (acks=all), then write the offsets, then `commit`.
 * Delivery invariant 1 of DESIGN.md: a position reaches the offsets topic (and the task's commit, which may
 * release it upstream) only after every record up to it was acked by the brokers or written to the DLQ.
 */
export class SourceTaskRunner implements TaskRunner {
  private readonly abort = new AbortController();
  private task: SourceTask<unknown> | null = null;
  /** Acked positions not yet written to the offsets topic, by canonical source partition. */
  private readonly pending = new Map<string, SourcePosition>();
  private lastOffsetWrite = Date.now();
  private readonly reporter: ErrorReporter;
  private readonly labels: { connector: string; task: string };

  constructor(
    private readonly def: SourceConnectorDefinition,
    private readonly d: TaskDeps,
  ) {
    this.labels = { connector: d.spec.name, task: String(d.taskId) };
    this.reporter = ErrorReporter.forTask(d);
  }

  async run(): Promise<void> {
    const { d } = this;
    const signal = this.abort.signal;
    const task = (this.task = this.def.createTask() as SourceTask<unknown>);
    d.tracker.begin('start');
    await task.start({
      ...baseContext(d, signal),
      offsetFor: (p) => d.offsets.offsetFor(d.spec.name, p),
      storedOffsets: () => d.offsets.positions(d.spec.name),
    });
    d.tracker.end();
    d.tracker.setState('RUNNING');
    try {
      while (!signal.aborted) {
        if (d.pauseGate.isClosed && !(await this.waitWhilePaused())) break;
        d.tracker.begin('poll');
        const records = await task.poll(signal);
        d.tracker.end();
        // A poll can wait (file-source: up to a second) for new data; if the connector was paused meanwhile,
        // the batch may hold records written after the pause was acknowledged (status already said PAUSED).
        // Hold it until resumed; if the task stops instead, its positions were never stored, so it is read again.
        if (records.length > 0 && d.pauseGate.isClosed && !(await this.waitWhilePaused())) break;
        if (records.length > 0) await this.handle(records);
        if (Date.now() - this.lastOffsetWrite >= d.offsetFlushIntervalMs) await this.writeOffsets();
      }
      await this.writeOffsets();
    } finally {
      d.tracker.end();
      await task.stop().catch((e: unknown) => d.log.warn({ err: (e as Error).message }, 'task stop failed'));
    }
  }

  /** Stores the acked offsets and waits for resume; false when the task was stopped instead. */
  private async waitWhilePaused(): Promise<boolean> {
    const { d } = this;
    await this.writeOffsets();
    d.tracker.setState('PAUSED');
    await d.pauseGate.pass(this.abort.signal);
    if (this.abort.signal.aborted) return false;
    d.tracker.setState('RUNNING');
    return true;
  }

  details(): Record<string, unknown> | null {
    return this.task?.status?.() ?? null;
  }

  signal(s: TaskSignal): Promise<Record<string, unknown>> | null {
    return this.task?.signal ? this.task.signal(s) : null;
  }

  async stop(): Promise<void> {
    this.abort.abort();
  }

  /** Transforms and sends one polled batch; failed records go through the error policy in order. */
  private async handle(records: readonly SourceRecord[]): Promise<void> {
    const { d } = this;
    const conv = d.spec.converter;
    const out: Message[][] = [];
    const topics: string[] = [];
    const byTopic = new Map<string, Message[]>();
    const positions = new Map<string, SourcePosition>();
    let filtered = 0;
    // Only the last position per source partition matters. Sources usually reuse one partition object for a
    // whole batch, so the canonical key is computed once per object, not once per record.
    let lastPartition: SourceRecord['sourcePartition'] | null = null;
    let lastKey = '';
    const mark = (r: SourceRecord) => {
      if (r.sourcePartition !== lastPartition) {
        lastPartition = r.sourcePartition;
        lastKey = canonicalJson(r.sourcePartition);
      }
      positions.set(lastKey, { partition: r.sourcePartition, offset: r.sourceOffset });
    };
    try {
      for (const r of records) {
        if (r.failure) {
          await this.reporter.report({
            stage: 'source',
            error: r.failure,
            key: toBytes(conv.key, r.key),
            value: toBytes('string', r.value),
            headers: r.headers,
            sourcePartition: r.sourcePartition,
            sourceOffset: r.sourceOffset,
          });
          mark(r);
          continue;
        }
        let t: TransformRecord | null;
        try {
          t = applyTransforms(d.transforms, {
            topic: r.topic,
            key: r.key ?? null,
            value: r.value,
            headers: r.headers ?? {},
            timestamp: r.timestamp,
          });
        } catch (e) {
          await this.reporter.report({
            stage: 'transform',
            error: e as Error,
            key: toBytes(conv.key, r.key),
            value: toBytes(conv.value, r.value),
            headers: r.headers,
            sourcePartition: r.sourcePartition,
            sourceOffset: r.sourceOffset,
          });
          mark(r);
          continue;
        }
        mark(r);
        if (t === null) {
          filtered++;
          continue;
        }
        let list = byTopic.get(t.topic);
        if (!list) {
          byTopic.set(t.topic, (list = []));
          topics.push(t.topic);
          out.push(list);
        }
        list.push({
          key: toBytes(conv.key, t.key),
          value: toBytes(conv.value, t.value),
          headers: t.headers,
          timestamp: t.timestamp !== undefined ? String(t.timestamp) : undefined,
        });
      }
    } catch (e) {
      // tolerance none: what came before the failed record is still delivered and its position stored.
      if (e instanceof TaskFailure) {
        await this.send(topics, out);
        for (const [k, p] of positions) this.pending.set(k, p);
        await this.writeOffsets();
      }
      throw e;
    }
    await this.send(topics, out);
    if (filtered > 0) d.metrics.filtered.inc(this.labels, filtered);
    for (const [k, p] of positions) this.pending.set(k, p);
    d.tracker.progress();
  }

  /** Sends until acked; the idempotent producer makes a resend after a broker failure safe. */
  private async send(topics: string[], out: Message[][]): Promise<void> {
    const { d } = this;
    const topicMessages = topics.map((topic, i) => ({ topic, messages: out[i]! }));
    const n = out.reduce((a, l) => a + l.length, 0);
    if (n === 0) return;
    let delay = 200;
    for (;;) {
      d.tracker.begin('send');
      try {
        await d.kafka.producer.sendBatch({ acks: -1, topicMessages });
        d.tracker.end();
        d.metrics.sourceRecords.inc(this.labels, n);
        return;
      } catch (e) {
        d.log.warn({ err: (e as Error).message, records: n }, 'send to the brokers failed; retrying');
        if (this.abort.signal.aborted)
          throw new Error(`stopped while ${n} records were unacknowledged; they are sent again on restart`);
        await sleep(delay, this.abort.signal);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /** Stores acked positions durably, then lets the task release them upstream. */
  private async writeOffsets(): Promise<void> {
    const { d } = this;
    this.lastOffsetWrite = Date.now();
    if (this.pending.size === 0) return;
    const positions = [...this.pending.values()];
    d.tracker.begin('offsets');
    await d.offsets.write(d.spec.name, positions);
    this.pending.clear();
    d.metrics.offsetCommits.inc(this.labels);
    if (this.task?.commit) {
      d.tracker.begin('commit');
      await this.task.commit(positions);
    }
    d.tracker.end();
  }
}
