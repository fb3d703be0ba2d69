import { sleep } from '@tributary/connect-sdk';
import type { Client } from '@elastic/elasticsearch';
import {
  RetriableError,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  type TopicPartitionOffsets,
} from '@tributary/connect-sdk';
import { backoffMs } from './backoff';
import { bulkLines, itemOutcome, requestOutcome } from './bulk-outcome';
import type { ElasticsearchSinkConfig } from './config';
import { createClient, putIndexTemplate } from './es-client';
import { planWrite } from './plan-write';
import { RecordRejected } from './record-rejected';
import { WriteQueue, type Unit, type Write } from './write-queue';

function describeWrite(w: Write): string {
  return `${w.kind} of ${w.index}/${w.id}`;
}

/**
 * Writes records to Elasticsearch with bulk requests. `put` only plans and queues writes; `flush` sends them
 * and returns once ES acknowledged every one (or the errors policy took it), so the framework commits offsets
 * only for what ES holds. Redelivery is harmless: ids come from keys and external versions from the source
 * LSN or the offset, so a replayed write is a 409 that changes nothing.
 */
export class ElasticsearchSinkTask implements SinkTask<ElasticsearchSinkConfig> {
  private ctx: SinkTaskContext<ElasticsearchSinkConfig> | null = null;
  private client: Client | null = null;
  private readonly queue = new WriteQueue();
  private readonly counts = {
    /** Records whose write ES acknowledged (folded records count one each). */
    acknowledged: 0,
    /** Writes ES refused with a 409 because it held that version or a newer one. */
    stale: 0,
    retries: 0,
    rejected: 0,
    ignored: 0,
    bulkRequests: 0,
  };
  private readonly ignoredKinds = new Set<string>();
  /** Set by `stop`: a flush still running must fail rather than return as if everything were acknowledged. */
  private stopped = false;

  async start(ctx: SinkTaskContext<ElasticsearchSinkConfig>): Promise<void> {
    this.queue.clear();
    this.stopped = false;
    const client = createClient(ctx.config);
    try {
      await putIndexTemplate(client, ctx.config, ctx.connector);
    } catch (err) {
      await client.close();
      throw err;
    }
    this.ctx = ctx;
    this.client = client;
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    const ctx = this.ctx;
    if (!ctx) throw new Error('elasticsearch-sink: put before start');
    for (const record of records) {
      let planned;
      try {
        planned = planWrite(record, ctx.config);
      } catch (err) {
        if (!(err instanceof RecordRejected)) throw err;
        await this.reject(record, err);
        continue;
      }
      if ('ignored' in planned) {
        this.counts.ignored++;
        if (!this.ignoredKinds.has(planned.ignored)) {
          this.ignoredKinds.add(planned.ignored);
          ctx.log.warn(
            { kind: planned.ignored, topic: record.topic },
            planned.ignored === 'truncate'
              ? 'Debezium truncate events are not applied to Elasticsearch; ignoring them (counted in status.ignored)'
              : 'deletes cannot name a document with key.ignore: true; ignoring them (counted in status.ignored)',
          );
        }
        continue;
      }
      this.queue.add(planned);
    }
  }

  /** Sends everything put so far; `offsets` are covered once it resolves, since nothing else is buffered. */
  async flush(_offsets: TopicPartitionOffsets): Promise<void> {
    const { ctx, client } = this;
    if (!ctx || !client) throw new Error('elasticsearch-sink: flush before start');
    const batchSize = ctx.config['batch.size'];
    // Every flush call (the framework retries a flush that threw RetriableError) gets a full attempt budget.
    this.queue.resetAttempts();
    let limit = batchSize;
    const stopped = () =>
      new RetriableError('elasticsearch-sink stopped with writes pending; the framework redelivers them');
    while (this.queue.pending > 0) {
      if (ctx.signal.aborted || this.stopped) throw stopped();
      const now = Date.now();
      const units = this.queue.ready(now, limit);
      if (units.length === 0) {
        await sleep((this.queue.nextReadyAt() ?? now) - now, ctx.signal);
        continue;
      }
      const what =
        units.length === 1 ? describeWrite((units[0] as Unit).write) : `a bulk of ${units.length} writes`;
      let items: Array<Partial<Record<string, { status: number }>>>;
      try {
        this.counts.bulkRequests++;
        const res = await client.bulk(
          { operations: units.flatMap((u) => bulkLines(u.write)) },
          { signal: ctx.signal },
        );
        items = res.items;
      } catch (err) {
        if (this.stopped) throw stopped();
        const outcome = requestOutcome(err, what);
        if (outcome.kind === 'fatal') throw outcome.error;
        if (outcome.kind === 'narrow') {
          // ES validates a bulk before running it, so one bad item fails them all: halve until it stands alone.
          if (units.length > 1) limit = Math.ceil(units.length / 2);
          else await this.rejectUnit(units[0] as Unit, outcome.error);
          continue;
        }
        this.backOff(units, outcome.reason);
        continue;
      }
      if (this.stopped) throw stopped();
      limit = batchSize;
      const retry: Unit[] = [];
      let reason = '';
      for (const [i, unit] of units.entries()) {
        const item = items[i];
        const outcome = itemOutcome(unit.write, item ? Object.values(item)[0] : undefined);
        if (outcome.kind === 'done') {
          if (outcome.result === 'stale') this.counts.stale++;
          this.counts.acknowledged += unit.actions.length;
          this.queue.done(unit);
        } else if (outcome.kind === 'retry') {
          retry.push(unit);
          reason = outcome.reason;
        } else {
          await this.rejectUnit(unit, outcome.error);
        }
      }
      if (retry.length > 0) this.backOff(retry, reason);
    }
    // stop() empties the queue: that is not an acknowledgement.
    if (this.stopped) throw stopped();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Unflushed writes are dropped: their offsets were never committed, so the framework delivers them again.
    this.queue.clear();
    const client = this.client;
    this.client = null;
    if (client) await client.close();
  }

  status(): Record<string, unknown> {
    return { pending: this.queue.pending, ...this.counts };
  }

  /**
   * Schedules the next attempt of writes that failed transiently. When one has used up `retry.max` attempts the
   * flush fails with a RetriableError: the writes stay queued and the framework's retry of the flush resumes.
   */
  private backOff(units: readonly Unit[], reason: string): void {
    const cfg = (this.ctx as SinkTaskContext<ElasticsearchSinkConfig>).config;
    const now = Date.now();
    let exhausted: Unit | null = null;
    for (const u of units) {
      u.attempts++;
      this.counts.retries++;
      u.notBefore = now + backoffMs(u.attempts, cfg['retry.backoff'], cfg['retry.backoff.max']);
      if (u.attempts >= cfg['retry.max']) exhausted ??= u;
    }
    this.ctx?.log.debug({ reason, writes: units.length }, 'elasticsearch-sink: retrying writes');
    if (exhausted)
      throw new RetriableError(
        `${describeWrite(exhausted.write)} still failing after ${cfg['retry.max']} attempts (${reason}); ${this.queue.pending} records wait for the next flush`,
      );
  }

  /**
   * A write ES refused for good. A folded write is split back into its records first, so only the record that
   * causes the rejection reaches the errors policy, and the others are still written in order.
   */
  private async rejectUnit(unit: Unit, error: Error): Promise<void> {
    if (unit.actions.length > 1) {
      this.queue.split(unit);
      return;
    }
    const action = unit.actions[0];
    if (action) await this.reject(action.record, error);
    this.queue.done(unit);
  }

  private async reject(record: SinkRecord, error: Error): Promise<void> {
    this.counts.rejected++;
    await (this.ctx as SinkTaskContext<ElasticsearchSinkConfig>).reportErrant(record, error);
  }
}
