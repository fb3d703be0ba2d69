import { ErrorCode } from '@tributary/protocol';
import {
  INT32_MAX,
  lastSequenceOf,
  nextSequence,
  ProducerStateTable,
  type ProducerBatchHeader,
} from './producer-state';

const PID = 4000;

function batch(baseSequence: number, records = 1, producerEpoch = 0, producerId = PID): ProducerBatchHeader {
  return { producerId, producerEpoch, baseSequence, lastOffsetDelta: records - 1 };
}

/** Checks and, when accepted, records at the next offset: what the produce path does. */
class Log {
  readonly table = new ProducerStateTable();
  end = 0;
  produce(h: ProducerBatchHeader): ReturnType<ProducerStateTable['check']> & { at?: number } {
    const v = this.table.check(h);
    if (v.kind !== 'append') return v;
    const base = this.end;
    this.end += h.lastOffsetDelta + 1;
    this.table.record(h, base, this.end - 1, 0);
    return { ...v, at: base };
  }
}

describe('idempotent producer state machine', () => {
  it('accepts consecutive sequences and answers a retry of any of the last five with its original offsets', () => {
    const log = new Log();
    const offsets: number[] = [];
    for (let seq = 0; seq < 30; seq += 3) offsets.push(log.produce(batch(seq, 3)).at!);
    expect(offsets).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    for (let i = 5; i < 10; i++) {
      expect(log.table.check(batch(i * 3, 3))).toEqual({
        kind: 'duplicate',
        baseOffset: offsets[i],
        lastOffset: offsets[i]! + 2,
      });
    }
    // Older than the cached five: no longer recognisable, and not the next sequence either.
    expect(log.table.check(batch(12, 3))).toMatchObject({
      kind: 'reject',
      errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
    expect(log.end).toBe(30);
  });

  it('rejects a gap and a partial overlap with OUT_OF_ORDER_SEQUENCE_NUMBER and then accepts the expected sequence', () => {
    const log = new Log();
    log.produce(batch(0, 5));
    expect(log.produce(batch(6))).toMatchObject({
      kind: 'reject',
      errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
    expect(log.produce(batch(0, 3))).toMatchObject({
      kind: 'reject',
      errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
    expect(log.produce(batch(5)).at).toBe(5);
  });

  it('fences older epochs and lets a new epoch start only at sequence 0', () => {
    const log = new Log();
    log.produce(batch(0, 2, 0));
    expect(log.produce(batch(0, 1, 1)).kind).toBe('append');
    expect(log.produce(batch(1, 1, 0))).toMatchObject({
      kind: 'reject',
      errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
    });
    expect(log.produce(batch(5, 1, 2))).toMatchObject({
      kind: 'reject',
      errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
    // The epoch-0 batches were forgotten with the bump: seq 0 of epoch 1 is the duplicate now.
    expect(log.table.check(batch(0, 1, 1))).toEqual({ kind: 'duplicate', baseOffset: 2, lastOffset: 2 });
    expect(log.table.entry(PID)?.epoch).toBe(1);
  });

  it('accepts any first sequence from an unknown producer id (state lost or expired)', () => {
    const log = new Log();
    expect(log.produce(batch(1234, 2)).at).toBe(0);
    expect(log.produce(batch(1236)).at).toBe(2);
  });

  it('wraps sequences from INT32_MAX to 0, within a batch and between batches', () => {
    expect(lastSequenceOf(INT32_MAX - 1, 3)).toBe(1);
    expect(nextSequence(INT32_MAX)).toBe(0);
    const log = new Log();
    log.produce(batch(INT32_MAX - 4, 3)); // ..INT32_MAX-2
    expect(log.produce(batch(INT32_MAX - 1, 4)).at).toBe(3); // INT32_MAX-1, INT32_MAX, 0, 1
    expect(log.table.check(batch(INT32_MAX - 1, 4))).toEqual({
      kind: 'duplicate',
      baseOffset: 3,
      lastOffset: 6,
    });
    expect(log.produce(batch(2)).at).toBe(7);
    expect(log.produce(batch(0))).toMatchObject({
      kind: 'reject',
      errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
  });

  it('does not check batches without a producer id, keeps producers apart, and refuses negative sequences', () => {
    const log = new Log();
    expect(log.produce(batch(-1, 1, -1, -1)).kind).toBe('append');
    expect(log.produce(batch(-1, 1, -1, -1)).kind).toBe('append');
    log.produce(batch(0, 1, 0, 1));
    log.produce(batch(0, 1, 0, 2));
    expect(log.table.check(batch(1, 1, 0, 1)).kind).toBe('append');
    expect(log.table.check(batch(0, 1, 0, 2))).toEqual({ kind: 'duplicate', baseOffset: 3, lastOffset: 3 });
    expect(log.produce(batch(-5, 1, 0, 1))).toMatchObject({
      kind: 'reject',
      errorCode: ErrorCode.INVALID_RECORD,
    });
  });

  it('truncateTo forgets batches no longer in the log and producers left without any', () => {
    const log = new Log();
    log.produce(batch(0, 1, 0, 1)); // offset 0
    log.produce(batch(0, 1, 0, 2)); // offset 1
    log.produce(batch(1, 1, 0, 1)); // offset 2
    log.table.truncateTo(1);
    expect(log.table.entry(2)).toBeUndefined();
    expect(log.table.entry(1)?.batches).toEqual([{ firstSeq: 0, lastSeq: 0, baseOffset: 0, lastOffset: 0 }]);
    expect(log.table.check(batch(1, 1, 0, 1)).kind).toBe('append');
  });

  it('expires producers idle past the limit', () => {
    const t = new ProducerStateTable();
    t.record(batch(0, 1, 0, 1), 0, 0, 1000);
    t.record(batch(0, 1, 0, 2), 1, 1, 5000);
    expect(t.expire(6000, 2000)).toBe(1);
    expect(t.entry(1)).toBeUndefined();
    expect(t.entry(2)).toBeDefined();
  });
});
