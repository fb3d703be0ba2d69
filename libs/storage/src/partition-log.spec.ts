import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { OffsetOutOfRangeError } from './errors';
import { FlushScheduler } from './flush-scheduler';
import { DEFAULT_LOG_CONFIG, LogConfig } from './log-config';
import { PartitionLog } from './partition-log';
import { buildBatch, buildSizedBatch, splitBatches } from './test-batches';

describe('PartitionLog append and read', () => {
  let dir: string;
  let flusher: FlushScheduler;
  const open = (config: Partial<LogConfig> = {}): PartitionLog =>
    PartitionLog.open(dir, { ...DEFAULT_LOG_CONFIG, ...config }, flusher);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plog-'));
    flusher = new FlushScheduler();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('assigns offsets, patches baseOffset/leader epoch in place, and keeps the CRC valid', async () => {
    const log = open();
    const a = buildSizedBatch(3, 10);
    const b = buildSizedBatch(2, 10);
    expect(log.append(a, 7)).toMatchObject({ baseOffset: 0, lastOffset: 2 });
    expect(log.append(b, 7)).toMatchObject({ baseOffset: 3, lastOffset: 4 });
    expect(log.logEndOffset).toBe(5);
    expect(b.readInt32BE(4)).toBe(3); // patched in the caller's buffer: no copy
    expect(b.readInt32BE(12)).toBe(7);
    const read = splitBatches(log.read(0, 1 << 20).chunks);
    expect(read.map((x) => x.baseOffset)).toEqual([0, 3]);
    expect(read[1]!.bytes.equals(b)).toBe(true);
    expect(crc32c(read[1]!.bytes.subarray(21)) >>> 0).toBe(read[1]!.bytes.readUInt32BE(17));
    await log.close();
  });

  it('reuses the read buffer of a released fetch-sized read, and only after release', async () => {
    const log = open();
    // Reads of at least 256 KiB come from the pool (fetch-sized); build ~600 KiB of batches.
    for (let i = 0; i < 6; i++) log.append(buildSizedBatch(100, 1000));
    const first = log.read(0, 1 << 20);
    const firstBuf = first.chunks[0]!.buffer;
    const second = log.read(0, 1 << 20);
    // Not released yet: a second read must not share its bytes.
    expect(second.chunks[0]!.buffer).not.toBe(firstBuf);
    const copy = Buffer.from(second.chunks[0]!);
    first.release();
    first.release(); // idempotent: the buffer goes back once
    const third = log.read(0, 1 << 20);
    expect(third.chunks[0]!.buffer).toBe(firstBuf);
    expect(second.chunks[0]!.equals(copy)).toBe(true);
    expect(third.chunks[0]!.equals(copy)).toBe(true);
    const fourth = log.read(0, 1 << 20);
    expect(fourth.chunks[0]!.buffer).not.toBe(firstBuf);
    for (const r of [second, third, fourth]) r.release();
    await log.close();
  });

  it('reads across segment rolls and names segments by 20-digit base offset', async () => {
    const log = open({ segmentBytes: 1000, indexIntervalBytes: 100 });
    const batches: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const batch = buildSizedBatch(5, 40);
      log.append(batch);
      batches.push(Buffer.from(batch));
    }
    expect(log.segmentCount).toBeGreaterThan(5);
    const names = fs.readdirSync(dir).filter((n) => n.endsWith('.log'));
    expect(names).toContain('00000000000000000000.log');
    expect(names.every((n) => /^\d{20}\.log$/.test(n))).toBe(true);
    // Rolled segments got their index files.
    expect(fs.existsSync(path.join(dir, '00000000000000000000.index'))).toBe(true);
    const all = splitBatches(log.read(0, 1 << 20).chunks);
    expect(all).toHaveLength(40);
    all.forEach((b, i) => expect(b.bytes.equals(batches[i]!)).toBe(true));
    // Sequential small reads walk every batch exactly once.
    let offset = 0;
    let seen = 0;
    while (offset < log.logEndOffset) {
      const got = splitBatches(log.read(offset, 1).chunks);
      expect(got).toHaveLength(1);
      expect(got[0]!.baseOffset).toBe(offset);
      offset = got[0]!.lastOffset + 1;
      seen++;
    }
    expect(seen).toBe(40);
    await log.close();
  });

  it('returns the whole batch holding an offset in its middle', async () => {
    const log = open({ indexIntervalBytes: 64 });
    for (let i = 0; i < 10; i++) log.append(buildSizedBatch(10, 20));
    const got = splitBatches(log.read(57, 1 << 20).chunks);
    expect(got[0]!.baseOffset).toBe(50);
    expect(got[got.length - 1]!.lastOffset).toBe(99);
    await log.close();
  });

  it('returns one whole batch even when maxBytes is smaller, and whole batches only within maxBytes', async () => {
    const log = open();
    for (let i = 0; i < 5; i++) log.append(buildSizedBatch(10, 100));
    const size = log.size() / 5;
    const one = log.read(0, 10);
    expect(one.bytes).toBe(size);
    expect(splitBatches(one.chunks)).toHaveLength(1);
    const two = log.read(0, Math.floor(size * 2.5));
    expect(two.bytes).toBe(size * 2);
    await log.close();
  });

  it('never returns a batch whose base offset is at or past maxOffset', async () => {
    const log = open({ segmentBytes: 500 });
    for (let i = 0; i < 12; i++) log.append(buildSizedBatch(2, 50));
    const got = splitBatches(log.read(0, 1 << 20, 10).chunks);
    expect(got[got.length - 1]!.baseOffset).toBe(8);
    expect(log.read(10, 1 << 20, 10).bytes).toBe(0);
    expect(log.read(24, 1 << 20).bytes).toBe(0); // at the log end: empty, not an error
    await log.close();
  });

  it('throws OffsetOutOfRangeError outside [logStartOffset, logEndOffset]', async () => {
    const log = open();
    log.append(buildSizedBatch(3, 10));
    expect(() => log.read(4, 100)).toThrow(OffsetOutOfRangeError);
    log.deleteRecordsBefore(2);
    expect(() => log.read(1, 100)).toThrow(OffsetOutOfRangeError);
    expect(splitBatches(log.read(2, 100).chunks)[0]!.baseOffset).toBe(0);
    await log.close();
  });

  it('persists the log start offset across restarts', async () => {
    let log = open({ segmentBytes: 300 });
    for (let i = 0; i < 10; i++) log.append(buildSizedBatch(2, 50));
    const before = log.segmentCount;
    log.deleteRecordsBefore(9);
    expect(log.segmentCount).toBeLessThan(before);
    await log.close();
    log = open({ segmentBytes: 300 });
    expect(log.logStartOffset).toBe(9);
    expect(log.logEndOffset).toBe(20);
    await log.close();
  });

  it('rolls by time since the first append of the segment', async () => {
    const log = open({ segmentMs: 1 });
    log.append(buildSizedBatch(1, 10));
    const start = Date.now();
    while (Date.now() - start < 3) {
      /* let at least segmentMs pass */
    }
    log.append(buildSizedBatch(1, 10));
    expect(log.segmentBaseOffsets()).toEqual([0, 1]);
    await log.close();
  });

  it('finds offsets by timestamp at batch granularity', async () => {
    const log = open({ segmentBytes: 400, indexIntervalBytes: 50 });
    for (let i = 0; i < 20; i++) {
      log.append(
        buildBatch(
          [
            { value: 'a', timestamp: 1000 + i * 10 },
            { value: 'b', timestamp: 1005 + i * 10 },
          ],
          1000 + i * 10,
        ),
      );
    }
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1005 });
    expect(log.offsetForTimestamp(1047)).toEqual({ offset: 10, timestamp: 1055 });
    expect(log.offsetForTimestamp(1050)).toEqual({ offset: 10, timestamp: 1055 });
    expect(log.offsetForTimestamp(1195)).toEqual({ offset: 38, timestamp: 1195 });
    expect(log.offsetForTimestamp(1196)).toBeNull();
    await log.close();
    const reopened = open({ segmentBytes: 400, indexIntervalBytes: 50 });
    expect(reopened.offsetForTimestamp(1047)).toEqual({ offset: 10, timestamp: 1055 });
    await reopened.close();
  });

  it('truncateTo drops whole batches at and after the offset, across segments', async () => {
    const log = open({ segmentBytes: 300 });
    for (let i = 0; i < 10; i++) log.append(buildSizedBatch(2, 50));
    log.truncateTo(7); // offset 7 sits in batch 6..7
    expect(log.logEndOffset).toBe(6);
    expect(splitBatches(log.read(0, 1 << 20).chunks).map((b) => b.baseOffset)).toEqual([0, 2, 4]);
    expect(log.append(buildSizedBatch(1, 5)).baseOffset).toBe(6);
    await log.close();
    const reopened = open({ segmentBytes: 300 });
    expect(reopened.logEndOffset).toBe(7);
    await reopened.close();
  });

  it('appendAtOffsets keeps the given offsets and rejects going backwards', async () => {
    const leader = open();
    for (let i = 0; i < 3; i++) leader.append(buildSizedBatch(2, 10), 4);
    const copy = leader.read(0, 1 << 20);
    await leader.close();
    const followerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plog-f-'));
    try {
      const follower = PartitionLog.open(followerDir, DEFAULT_LOG_CONFIG, flusher);
      expect(follower.appendAtOffsets(Buffer.concat(copy.chunks))).toEqual({ firstOffset: 0, lastOffset: 5 });
      expect(follower.logEndOffset).toBe(6);
      expect(Buffer.concat(follower.read(0, 1 << 20).chunks).equals(Buffer.concat(copy.chunks))).toBe(true);
      expect(() => follower.appendAtOffsets(copy.chunks[0]!)).toThrow(/below the log end offset/);
      await follower.close();
    } finally {
      fs.rmSync(followerDir, { recursive: true, force: true });
    }
  });

  it('rejects bytes that are not exactly one batch', async () => {
    const log = open();
    const batch = buildSizedBatch(2, 10);
    expect(() => log.append(batch.subarray(0, batch.length - 1))).toThrow(/exactly one RecordBatch/);
    await log.close();
  });
});
