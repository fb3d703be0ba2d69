import { sleep, type RecordHeaders } from '@tributary/connect-sdk';
import type {
  TaskSignal,
  SourceConnectorDefinition,
  SourcePosition,
  SourceRecord,
  SourceTask,
} from '@tributary/connect-sdk';
import { canonicalJson } from '@tributary/common';
import type { ProducerRecord } from '../kafka/idempotent-producer';
import { FatalKafkaError } from '../kafka/broker-links';
import { toBytes, toWire } from './converter';
import { ErrorReporter, TaskFailure } from './error-policy';
import { baseContext, type TaskDeps, type TaskRunner } from './task-deps';
import { applyTransforms } from './apply-transforms';

/**
 * Record headers as the batch encoder takes them. Sources often share one headers object between records (a
 * transaction's, a snapshot's): the list is made once per object, not once per record.
 */
class HeaderLists {
  private last: RecordHeaders | null = null;
  private lastList: ProducerRecord['headers'] = undefined;

  of(h: RecordHeaders | undefined): ProducerRecord['headers'] {
    if (!h) return undefined;
    if (h === this.last) return this.lastList;
    const keys = Object.keys(h);
    this.last = h;
    this.lastList = keys.length === 0 ? undefined : keys.map((key) => ({ key, value: h[key]! }));
    return this.lastList;
  }
}

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
  /**
   * The previous batch's delivery (send, then its positions become pending), still waiting for the brokers'
   * acks while the next batch is polled and converted. One at a time, so positions stay in order.
   */
  private inflight: Promise<void> | null = null;
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
        if (Date.now() - this.lastOffsetWrite >= d.offsetFlushIntervalMs) {
          await this.settle();
          await this.writeOffsets();
        }
      }
      await this.settle();
      await this.writeOffsets();
    } finally {
      d.tracker.end();
      await this.inflight?.catch(() => undefined);
      await task.stop().catch((e: unknown) => d.log.warn({ err: (e as Error).message }, 'task stop failed'));
    }
  }

  /** Stores the acked offsets and waits for resume; false when the task was stopped instead. */
  private async waitWhilePaused(): Promise<boolean> {
    const { d } = this;
    await this.settle();
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

  /**
   * Transforms and converts one polled batch (failed records go through the error policy in order), then
   * starts sending it once the previous batch is acked.
   */
  private async handle(records: readonly SourceRecord[]): Promise<void> {
    const { d } = this;
    const conv = d.spec.converter;
    const out: ProducerRecord[][] = [];
    const topics: string[] = [];
    const byTopic = new Map<string, ProducerRecord[]>();
    /** The last record per source partition: its position is what gets stored. */
    const lastOf = new Map<string, SourceRecord>();
    const headerLists = new HeaderLists();
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
      lastOf.set(lastKey, r);
    };
    const positionsDone = () => {
      for (const [k, r] of lastOf)
        this.pending.set(k, { partition: r.sourcePartition, offset: r.sourceOffset });
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
        // Without transforms the source record is sent as it is: no copy of it per record.
        let t: Pick<SourceRecord, 'topic' | 'key' | 'value' | 'headers' | 'timestamp'> | null;
        try {
          t =
            d.transforms.length === 0
              ? r
              : applyTransforms(d.transforms, {
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
          key: toWire(conv.key, t.key),
          value: toWire(conv.value, t.value),
          headers: headerLists.of(t.headers),
          timestamp: t.timestamp,
        });
      }
    } catch (e) {
      // tolerance none: what came before the failed record is still delivered and its position stored.
      if (e instanceof TaskFailure) {
        await this.settle();
        await this.send(topics, out);
        positionsDone();
        await this.writeOffsets();
      }
      throw e;
    }
    // Converting this batch overlapped the previous one's wait for acks; now wait for it, then start this one.
    await this.settle();
    const delivery = (async () => {
      await this.send(topics, out);
      if (filtered > 0) d.metrics.filtered.inc(this.labels, filtered);
      positionsDone();
      d.tracker.progress();
    })();
    delivery.catch(() => undefined); // handled where it is awaited (settle); no unhandled rejection meanwhile
    this.inflight = delivery;
  }

  /** Waits for the batch in flight (shown as the 'send' stage while the runner blocks on it). */
  private async settle(): Promise<void> {
    const p = this.inflight;
    if (!p) return;
    this.inflight = null;
    this.d.tracker.begin('send');
    await p;
    this.d.tracker.end();
  }

  /**
   * Sends until acked (the producer resends a failed batch unchanged, so the brokers drop what already landed).
   * An error no retry can fix (a record over max.message.bytes, no write access) fails the task.
   */
  private async send(topics: string[], out: ProducerRecord[][]): Promise<void> {
    const { d } = this;
    const batch = topics.map((topic, i) => ({ topic, records: out[i]! }));
    const n = out.reduce((a, l) => a + l.length, 0);
    if (n === 0) return;
    let delay = 200;
    for (;;) {
      try {
        await d.kafka.records.send(batch, this.abort.signal);
        d.metrics.sourceRecords.inc(this.labels, n);
        return;
      } catch (e) {
        if (e instanceof FatalKafkaError) throw e;
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
