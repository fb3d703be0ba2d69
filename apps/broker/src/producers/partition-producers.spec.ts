import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBatchHeader } from '@tributary/protocol';
import { DEFAULT_LOG_CONFIG, FlushScheduler, PartitionLog } from '@tributary/storage';
import { encodeRecordBatch, makeTempDir, removeDir } from '@tributary/testing';
import { PartitionProducers } from './partition-producers';
import { PRODUCER_SNAPSHOT_FILE } from './producer-snapshot';

const PID = 77;

function idempotentBatch(baseSequence: number, records = 1, producerEpoch = 0, producerId = PID): Buffer {
  return encodeRecordBatch({
    records: Array.from({ length: records }, (_, i) => ({
      key: `k${baseSequence + i}`,
      value: `v${baseSequence + i}`,
    })),
    producerId,
    producerEpoch,
    baseSequence,
  });
}

describe('PartitionProducers: state rebuilt from the log and its snapshot', () => {
  let dir: string;
  let flusher: FlushScheduler;
  const open = (): PartitionLog =>
    PartitionLog.open(dir, { ...DEFAULT_LOG_CONFIG, segmentBytes: 4096 }, flusher);

  /** What the produce path does: check, append, record. Returns the verdict and where it landed. */
  function produce(
    log: PartitionLog,
    producers: PartitionProducers,
    b: Buffer,
  ): { kind: string; baseOffset?: number } {
    const v = producers.check(readBatchHeader(b));
    if (v.kind === 'duplicate') return { kind: v.kind, baseOffset: v.baseOffset };
    if (v.kind === 'reject') return { kind: v.kind };
    const res = log.append(b, 0);
    producers.appended(b, res.baseOffset, res.lastOffset);
    return { kind: v.kind, baseOffset: res.baseOffset };
  }

  beforeEach(() => {
    dir = join(makeTempDir('producers-'), 'topic-0');
    flusher = new FlushScheduler();
  });
  afterEach(() => removeDir(join(dir, '..')));

  it('recognises retries after a restart without a snapshot by replaying the log (across segment rolls)', async () => {
    let log = open();
    let producers = PartitionProducers.open(log, 'topic-0');
    for (let seq = 0; seq < 200; seq += 2)
      expect(produce(log, producers, idempotentBatch(seq, 2)).kind).toBe('append');
    produce(log, producers, encodeRecordBatch({ records: [{ key: 'plain', value: 'x' }] })); // non-idempotent, offset 200
    expect(log.segmentCount).toBeGreaterThan(1);
    await log.close(); // no producers.snapshot(): as after kill -9 before the first snapshot
    expect(existsSync(join(dir, PRODUCER_SNAPSHOT_FILE))).toBe(false);

    log = open();
    producers = PartitionProducers.open(log, 'topic-0');
    expect(produce(log, producers, idempotentBatch(196, 2))).toEqual({ kind: 'duplicate', baseOffset: 196 });
    expect(produce(log, producers, idempotentBatch(198, 2))).toEqual({ kind: 'duplicate', baseOffset: 198 });
    expect(produce(log, producers, idempotentBatch(202, 1)).kind).toBe('reject');
    expect(produce(log, producers, idempotentBatch(200, 1))).toEqual({ kind: 'append', baseOffset: 201 });
    expect(log.logEndOffset).toBe(202);
    await log.close();
  });

  it('starts from the snapshot and replays only what came after it', async () => {
    let log = open();
    let producers = PartitionProducers.open(log, 'topic-0');
    produce(log, producers, idempotentBatch(0, 1, 0, 1));
    produce(log, producers, idempotentBatch(0, 1, 0, 2));
    producers.snapshot();
    const snap = JSON.parse(readFileSync(join(dir, PRODUCER_SNAPSHOT_FILE), 'utf8')) as {
      offset: number;
      producers: unknown[];
    };
    expect(snap.offset).toBe(2);
    expect(snap.producers).toHaveLength(2);
    produce(log, producers, idempotentBatch(1, 1, 0, 2)); // offset 2, after the snapshot
    await log.close();

    log = open();
    producers = PartitionProducers.open(log, 'topic-0');
    expect(producers.table.entry(1)?.batches).toEqual([
      { firstSeq: 0, lastSeq: 0, baseOffset: 0, lastOffset: 0 },
    ]);
    expect(producers.table.entry(2)?.batches.map((b) => b.baseOffset)).toEqual([1, 2]);
    expect(produce(log, producers, idempotentBatch(1, 1, 0, 2))).toEqual({
      kind: 'duplicate',
      baseOffset: 2,
    });
    await log.close();
  });

  it('never trusts a snapshot beyond the log end: state is cut back and the snapshot rewritten', async () => {
    let log = open();
    let producers = PartitionProducers.open(log, 'topic-0');
    for (let seq = 0; seq < 4; seq++) produce(log, producers, idempotentBatch(seq));
    producers.snapshot(); // covers offsets 0..3
    // The log loses its last two batches (an unflushed tail at a power cut) but the snapshot survived.
    log.truncateTo(2);
    await log.close();

    log = open();
    producers = PartitionProducers.open(log, 'topic-0');
    expect(producers.table.entry(PID)?.batches.map((b) => b.firstSeq)).toEqual([0, 1]);
    expect(JSON.parse(readFileSync(join(dir, PRODUCER_SNAPSHOT_FILE), 'utf8'))).toMatchObject({ offset: 2 });
    // The client retries the lost batches: they are appended again, not answered as duplicates.
    expect(produce(log, producers, idempotentBatch(2))).toEqual({ kind: 'append', baseOffset: 2 });
    expect(produce(log, producers, idempotentBatch(3))).toEqual({ kind: 'append', baseOffset: 3 });
    await log.close();
  });

  it('rebuilds from the log when the snapshot is unreadable', async () => {
    let log = open();
    let producers = PartitionProducers.open(log, 'topic-0');
    produce(log, producers, idempotentBatch(0, 3));
    await log.close();
    writeFileSync(join(dir, PRODUCER_SNAPSHOT_FILE), '{"version":1,"offset":');

    log = open();
    producers = PartitionProducers.open(log, 'topic-0');
    expect(produce(log, producers, idempotentBatch(0, 3))).toEqual({ kind: 'duplicate', baseOffset: 0 });
    await log.close();
  });

  it('writes a snapshot on its own after enough appended bytes', async () => {
    const log = open();
    const producers = PartitionProducers.open(log, 'topic-0', { snapshotEveryBytes: 1000 });
    for (let seq = 0; seq < 20; seq++) produce(log, producers, idempotentBatch(seq));
    await new Promise((r) => setImmediate(r));
    await producers.backgroundSnapshot;
    const snap = JSON.parse(readFileSync(join(dir, PRODUCER_SNAPSHOT_FILE), 'utf8')) as { offset: number };
    expect(snap.offset).toBe(20);
    expect(producers.changedSinceSnapshot).toBe(false);
    await log.close();
  });

  it('discards a background snapshot overtaken by a truncation, so older state never replaces newer', async () => {
    const log = open();
    const producers = PartitionProducers.open(log, 'topic-0', { snapshotEveryBytes: 1000 });
    for (let seq = 0; seq < 20; seq++) produce(log, producers, idempotentBatch(seq));
    await new Promise((r) => setImmediate(r)); // the background snapshot (offset 20) is now in flight
    log.truncateTo(5);
    producers.truncateTo(5); // synchronous snapshot at offset 5
    await producers.backgroundSnapshot;
    const snap = JSON.parse(readFileSync(join(dir, PRODUCER_SNAPSHOT_FILE), 'utf8')) as { offset: number };
    expect(snap.offset).toBe(5);
    expect(readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);
    await log.close();
  });
});
