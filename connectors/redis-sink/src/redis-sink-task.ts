import {
  RetriableError,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  type TopicPartitionOffsets,
} from '@tributary/connect-sdk';
import type { Redis } from 'ioredis';
import { BullmqWriter, jobOf } from './bullmq-writer';
import { interpret } from './change';
import { closeClient, createClient, waitReady } from './client';
import type { RedisSinkConfig } from './config';
import { asError, isPermanent, isPermanentJobError, retriable } from './errors';
import { enqueue, Planner, type Planned, type Skip } from './plan';
import { defineWriteScript } from './write-script';

/** The side hash holding the last source LSN written per key (hash and json modes). */
export function lsnHashKey(connector: string): string {
  return `tributary:lsn:${connector}`;
}

/** `host:port` of a Redis URL, for messages: never the password. */
function where(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the configured server';
  }
}

const recordId = (r: SinkRecord): string => `${r.topic}/${r.partition}/${r.offset}`;

/**
 * Writes records to Redis. Each put is sent as pipelines in record order and waits for every reply, so
 * operations on one key keep their order and `flush` has nothing left to wait for. Per-record error replies
 * (WRONGTYPE) go to the errors policy; connection trouble and "not now" replies (LOADING) fail the put with a
 * RetriableError. Records whose outcome is settled are remembered until the next flush, so the framework's
 * retry of the same put does not write them twice.
 */
export class RedisSinkTask implements SinkTask<RedisSinkConfig> {
  private ctx: SinkTaskContext<RedisSinkConfig> | null = null;
  private redis: Redis | null = null;
  private planner: Planner | null = null;
  private bullmq: BullmqWriter | null = null;
  /** Records written, skipped or reported since the last flush (ids `topic/partition/offset`). */
  private readonly settled = new Set<string>();
  private readonly counts = {
    written: 0,
    deleted: 0,
    stale: 0,
    appended: 0,
    published: 0,
    jobs: 0,
    skipped: 0,
    errant: 0,
  };

  async start(ctx: SinkTaskContext<RedisSinkConfig>): Promise<void> {
    this.ctx = ctx;
    const { config } = ctx;
    const redis = (this.redis = createClient(config.url, config.timeout, ctx.log));
    defineWriteScript(redis);
    this.planner = new Planner(config, lsnHashKey(ctx.connector));
    // A server that is down now is not fatal: the client keeps reconnecting and puts retry.
    if (!(await waitReady(redis, config.timeout, ctx.signal))) {
      ctx.log.warn({ redis: where(config.url) }, 'redis not reachable yet; puts will retry');
    }
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    const { ctx, redis } = this;
    if (!ctx || !redis) throw new Error('redis-sink: put before start');
    if (records.length === 0) return;
    if (!(await waitReady(redis, ctx.config.timeout, ctx.signal))) {
      throw new RetriableError(`redis-sink: Redis at ${where(ctx.config.url)} is not reachable`);
    }
    if (ctx.config.mode === 'bullmq') {
      // Made once connected: a BullMQ Queue whose first connection attempt failed stays unusable.
      this.bullmq ??= new BullmqWriter(ctx.config.queue ?? '', redis);
      return this.putJobs(records, this.bullmq);
    }
    const size = ctx.config['batch.size'];
    for (let i = 0; i < records.length; i += size) await this.putPipeline(redis, records.slice(i, i + size));
  }

  async flush(_offsets: TopicPartitionOffsets): Promise<void> {
    // put resolves only once Redis replied to every command, so everything put is acknowledged already.
    // Durability beyond that is the server's: with appendfsync everysec a server crash (not a client one)
    // can lose about the last second of acknowledged writes.
    this.settled.clear();
  }

  async stop(): Promise<void> {
    const { redis, bullmq } = this;
    this.redis = null;
    this.bullmq = null;
    this.settled.clear();
    if (bullmq) await bullmq.close().catch(() => undefined);
    if (redis) await closeClient(redis);
  }

  status(): Record<string, unknown> {
    return { mode: this.ctx?.config.mode, connection: this.redis?.status ?? 'closed', ...this.counts };
  }

  /** One pipeline for a slice of a put: plan every record, send, then settle the replies in order. */
  private async putPipeline(redis: Redis, records: readonly SinkRecord[]): Promise<void> {
    const ctx = this.ctx!;
    const pipeline = redis.pipeline();
    const queued: Array<{ record: SinkRecord; planned: Planned }> = [];
    for (const record of records) {
      if (this.settled.has(recordId(record))) continue;
      let planned: Planned | Skip;
      try {
        planned = this.planner!.plan(record, interpret(record, ctx.config.unwrap));
      } catch (err) {
        await this.errant(record, err);
        continue;
      }
      if (typeof planned === 'string') {
        this.skip(record, planned);
        continue;
      }
      enqueue(pipeline, planned);
      queued.push({ record, planned });
    }
    if (queued.length === 0) return;
    let replies: Array<[Error | null, unknown]> | null;
    try {
      replies = await pipeline.exec();
    } catch (err) {
      throw retriable('pipeline failed', err);
    }
    for (let i = 0; i < queued.length; i++) {
      const { record, planned } = queued[i]!;
      const [err, reply] = replies?.[i] ?? [new Error('no reply for the command')];
      if (err) {
        if (isPermanent(err)) {
          await this.errant(record, err);
          continue;
        }
        // Stop at the first transient failure: records before it are settled, the rest are sent again.
        throw retriable(`writing ${record.topic}/${record.partition}@${record.offset}`, err);
      }
      this.settled.add(recordId(record));
      if (planned.kind === 'xadd') this.counts.appended++;
      else if (planned.kind === 'publish') this.counts.published++;
      else if (reply === 0) this.counts.stale++;
      else if (planned.args[1] === 'del') this.counts.deleted++;
      else this.counts.written++;
    }
  }

  /** bullmq mode: one add per record, in order; a job id that exists already makes the add a no-op. */
  private async putJobs(records: readonly SinkRecord[], writer: BullmqWriter): Promise<void> {
    const ctx = this.ctx!;
    for (const record of records) {
      if (this.settled.has(recordId(record))) continue;
      let job;
      try {
        const change = interpret(record, ctx.config.unwrap);
        // With unwrap, a tombstone follows the delete event that already became a job.
        if (change.tombstone && ctx.config.unwrap) {
          this.skip(record, 'tombstone-event');
          continue;
        }
        job = jobOf(record, change);
      } catch (err) {
        await this.errant(record, err);
        continue;
      }
      try {
        await writer.add(job);
      } catch (err) {
        if (isPermanentJobError(err, this.redis)) {
          await this.errant(record, err);
          continue;
        }
        // A fresh Queue on the next attempt, in case this one is left broken by the connection loss.
        this.bullmq = null;
        await writer.close().catch(() => undefined);
        throw retriable(`adding job ${job.jobId}`, err);
      }
      this.settled.add(recordId(record));
      this.counts.jobs++;
    }
  }

  private skip(record: SinkRecord, why: Skip): void {
    this.settled.add(recordId(record));
    this.counts.skipped++;
    if (why === 'truncate') {
      this.ctx!.log.warn(
        { topic: record.topic, offset: record.offset },
        'truncate event ignored: hash and json modes cannot tell which keys the table had',
      );
    }
  }

  private async errant(record: SinkRecord, err: unknown): Promise<void> {
    this.counts.errant++;
    await this.ctx!.reportErrant(record, asError(err));
    this.settled.add(recordId(record));
  }
}
