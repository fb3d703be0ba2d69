import { ErrorCode } from '@tributary/protocol';

/** Kafka keeps the last five batches per producer and partition: the most an idempotent client has in flight. */
export const MAX_CACHED_BATCHES = 5;
export const INT32_MAX = 0x7fffffff;

/** The batch header fields the sequence check reads. */
export interface ProducerBatchHeader {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
}

/** One appended batch of a producer, enough to recognise a retry of it and answer with its offsets. */
export interface CachedBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** Oldest first, at most MAX_CACHED_BATCHES, all of `epoch` (a new epoch starts an empty list). */
  batches: CachedBatch[];
  /** Wall-clock time of the last append (or of the rebuild that found it), for expiry. */
  lastAppendMs: number;
}

export type SequenceVerdict =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: number; lastOffset: number }
  | { kind: 'reject'; errorCode: ErrorCode; message: string };

const APPEND: SequenceVerdict = { kind: 'append' };

/** Sequence of the batch's last record; sequences wrap from INT32_MAX to 0. */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  const last = baseSequence + lastOffsetDelta;
  return last > INT32_MAX ? last - INT32_MAX - 1 : last;
}

export function nextSequence(seq: number): number {
  return seq === INT32_MAX ? 0 : seq + 1;
}

/** True for batches written by an idempotent producer (producerId -1 means "no producer"). */
export function isIdempotent(h: { producerId: number }): boolean {
  return h.producerId >= 0;
}

/**
 * Per-partition idempotent-producer state: for each producer id its epoch and last five batches. `check` decides
 * what to do with an incoming batch without changing anything; `record` is called once the batch is in the log.
 * The caller runs check + append + record as one synchronous step per partition, so pipelined requests see each
 * other's effects in order.
 */
export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  entry(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  entries(): IterableIterator<ProducerEntry> {
    return this.producers.values();
  }

  check(h: ProducerBatchHeader): SequenceVerdict {
    if (!isIdempotent(h)) return APPEND;
    if (h.producerEpoch < 0 || h.baseSequence < 0) {
      return reject(
        ErrorCode.INVALID_RECORD,
        `batch of producer ${h.producerId} has epoch ${h.producerEpoch} and base sequence ${h.baseSequence}; ` +
          'an idempotent batch needs both >= 0 (send producerId -1 for a non-idempotent batch)',
      );
    }
    const entry = this.producers.get(h.producerId);
    // Unknown producer (new, expired, or state lost with the log tail): accept any first sequence, as Kafka and
    // Redpanda do; refusing would wedge clients after a broker restart (franz-go #1281).
    if (entry === undefined) return APPEND;
    if (h.producerEpoch < entry.epoch) {
      return reject(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `producer ${h.producerId} sent epoch ${h.producerEpoch}, older than its current epoch ${entry.epoch}; ` +
          'a newer instance of this producer has fenced it',
      );
    }
    if (h.producerEpoch > entry.epoch) {
      if (h.baseSequence !== 0) {
        return reject(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `producer ${h.producerId} started epoch ${h.producerEpoch} at sequence ${h.baseSequence}; a new epoch must start at 0`,
        );
      }
      return APPEND;
    }
    const lastSeq = lastSequenceOf(h.baseSequence, h.lastOffsetDelta);
    for (const b of entry.batches) {
      if (b.firstSeq === h.baseSequence && b.lastSeq === lastSeq) {
        return { kind: 'duplicate', baseOffset: b.baseOffset, lastOffset: b.lastOffset };
      }
    }
    const newest = entry.batches[entry.batches.length - 1];
    if (newest !== undefined) {
      const expected = nextSequence(newest.lastSeq);
      if (h.baseSequence !== expected) {
        return reject(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `producer ${h.producerId} epoch ${h.producerEpoch} sent sequence ${h.baseSequence}, expected ${expected} ` +
            `(the last appended batch ended at ${newest.lastSeq})`,
        );
      }
    }
    return APPEND;
  }

  /** Notes a batch now in the log at [baseOffset, lastOffset]. Also used to replay the log on startup. */
  record(h: ProducerBatchHeader, baseOffset: number, lastOffset: number, nowMs: number): void {
    if (!isIdempotent(h)) return;
    let entry = this.producers.get(h.producerId);
    if (entry === undefined || entry.epoch !== h.producerEpoch) {
      entry = { producerId: h.producerId, epoch: h.producerEpoch, batches: [], lastAppendMs: nowMs };
      this.producers.set(h.producerId, entry);
    }
    entry.batches.push({
      firstSeq: h.baseSequence,
      lastSeq: lastSequenceOf(h.baseSequence, h.lastOffsetDelta),
      baseOffset,
      lastOffset,
    });
    if (entry.batches.length > MAX_CACHED_BATCHES) entry.batches.shift();
    entry.lastAppendMs = nowMs;
  }

  /** Forgets batches at or after `offset` (they are no longer in the log); producers left without batches go. */
  truncateTo(offset: number): void {
    for (const [id, entry] of this.producers) {
      entry.batches = entry.batches.filter((b) => b.lastOffset < offset);
      if (entry.batches.length === 0) this.producers.delete(id);
    }
  }

  /** Drops producers idle longer than `maxIdleMs`; a returning one is treated as unknown (accepted). */
  expire(nowMs: number, maxIdleMs: number): number {
    let removed = 0;
    for (const [id, entry] of this.producers) {
      if (nowMs - entry.lastAppendMs > maxIdleMs) {
        this.producers.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** Replaces the contents (snapshot load). */
  restore(entries: Iterable<ProducerEntry>): void {
    this.producers.clear();
    for (const e of entries) this.producers.set(e.producerId, e);
  }
}

function reject(errorCode: ErrorCode, message: string): SequenceVerdict {
  return { kind: 'reject', errorCode, message };
}
