import { createHash } from 'node:crypto';
import type { SinkRecord } from '@tributary/connect-sdk';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { canonicalJson } from './canonical';
import { normalizeLsn, type Change } from './change';
import { eventOf, type ChangeEvent } from './plan';

export interface JobSpec {
  name: string;
  data: ChangeEvent;
  jobId: string;
}

/**
 * The job id makes redelivery harmless: BullMQ ignores an add whose id already exists. With a `source.lsn`
 * the id names the change itself, `<topic>-<lsn>-<op>-<hash of the canonical key>[-<change lsn>]`, so a change the source
 * sent twice (at two topic offsets, after a source crash) is one job too; without it, the topic position
 * `<topic>-<partition>-<offset>`. Topic names hold only [A-Za-z0-9._-] and BullMQ refuses ":" in ids, hence
 * "-" separators and a hash of the key rather than its JSON.
 */
export function jobIdOf(record: SinkRecord, change: Change): string {
  if (change.lsn === null) return `${record.topic}-${record.partition}-${record.offset}`;
  const key = createHash('sha1')
    .update(canonicalJson(change.key ?? null))
    .digest('hex')
    .slice(0, 20);
  // A tombstone (with unwrap off) shares the LSN and key of its delete event: keep both jobs.
  const op = change.tombstone ? 'tombstone' : change.op;
  // `source.lsn` (the header) is the transaction's commit LSN, equal for every change of a transaction, so
  // two updates of one row in one transaction got the same id and BullMQ dropped the second job. The
  // envelope's own `source.lsn` is the change's WAL position (stable across redelivery): append it when it
  // differs from the header, which keeps the id of snapshot rows and LSN-less envelopes as it was.
  const at = normalizeLsn(change.source?.['lsn']);
  const position = at !== null && at !== change.lsn ? `-${at}` : '';
  return `${record.topic}-${change.lsn}-${op}-${key}${position}`;
}

export function jobOf(record: SinkRecord, change: Change): JobSpec {
  return { name: record.topic, data: eventOf(record, change), jobId: jobIdOf(record, change) };
}

/** Adds jobs to one BullMQ queue over the sink's connection. */
export class BullmqWriter {
  private readonly queue: Queue;

  constructor(name: string, connection: Redis) {
    this.queue = new Queue(name, { connection });
    // Connection trouble also rejects the add in progress, which is what the task acts on.
    this.queue.on('error', () => undefined);
  }

  async add(job: JobSpec): Promise<void> {
    await this.queue.add(job.name, job.data, { jobId: job.jobId });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
