import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Compression } from '@tributary/protocol/records/batch-header';
import { decodeRecordsSync, encodeRecordBatchSync } from '@tributary/protocol/records/record-batch';
import { FlushScheduler } from './flush-scheduler';
import { DEFAULT_LOG_CONFIG, LogConfig } from './log-config';
import { PartitionLog } from './partition-log';
import { batchMaxTimestamp } from './batch-bytes';
import { buildBatch, buildSizedBatch, splitBatches } from './test-batches';

describe('retention and compaction', () => {
  let dir: string;
  const open = (config: Partial<LogConfig>): PartitionLog =>
    PartitionLog.open(dir, { ...DEFAULT_LOG_CONFIG, ...config }, new FlushScheduler());

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plog-ret-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Every (offset, key, value) currently stored, decoded through the protocol library. */
  function contents(log: PartitionLog): Array<[number, string | null, string | null]> {
    const out: Array<[number, string | null, string | null]> = [];
    for (const b of splitBatches(log.read(log.logStartOffset, 1 << 24).chunks)) {
      for (const r of decodeRecordsSync(Buffer.from(b.bytes), {
        maxUncompressedBytes: 1 << 24,
        verifyCrc: true,
      }).records) {
        out.push([b.baseOffset + r.offsetDelta, r.key?.toString() ?? null, r.value?.toString() ?? null]);
      }
    }
    return out;
  }

  it('deletes the oldest segments beyond retention.bytes, never the active one', async () => {
    const log = open({ segmentBytes: 500, retentionBytes: 1200, retentionMs: -1 });
    for (let i = 0; i < 20; i++) log.append(buildSizedBatch(2, 60));
    const before = log.segmentCount;
    expect(log.applyRetention(Date.now())).toBeGreaterThan(0);
    expect(log.segmentCount).toBeLessThan(before);
    expect(log.size()).toBeLessThan(1200 + 500);
    expect(log.size()).toBeGreaterThanOrEqual(1200 - 500);
    expect(log.logStartOffset).toBe(log.segmentBaseOffsets()[0]);
    expect(splitBatches(log.read(log.logStartOffset, 1).chunks)[0]!.baseOffset).toBe(log.logStartOffset);
    const tiny = open({ segmentBytes: 500, retentionBytes: 0, retentionMs: -1 });
    tiny.applyRetention(Date.now());
    expect(tiny.segmentCount).toBe(1);
    expect(tiny.logEndOffset).toBe(40);
    await log.close();
    await tiny.close();
  });

  it('deletes segments whose newest timestamp is older than retention.ms', async () => {
    const log = open({ segmentBytes: 300, retentionMs: 1000 });
    for (let i = 0; i < 12; i++) log.append(buildBatch([{ value: 'v'.repeat(60) }], 10_000 + i * 100));
    // Batches at 10_000..11_100; at now=11_550 everything with maxTimestamp < 10_550 is expired.
    log.applyRetention(11_550);
    const [first, second] = log.segmentBaseOffsets();
    expect(first).toBeGreaterThan(0);
    expect(log.logStartOffset).toBe(first);
    // The oldest remaining segment still holds a batch inside retention; everything before it was expired.
    const oldest = splitBatches(log.read(first!, 1 << 20, second).chunks);
    expect(Math.max(...oldest.map((b) => batchMaxTimestamp(b.bytes)))).toBeGreaterThanOrEqual(10_550);
    expect(batchMaxTimestamp(oldest[0]!.bytes) - 100).toBeLessThan(10_550);
    expect(log.offsetForTimestamp(0)!.offset).toBe(first);
    // A forever retention keeps everything.
    const forever = open({ segmentBytes: 300, retentionMs: -1 });
    const count = forever.segmentCount;
    forever.applyRetention(Number.MAX_SAFE_INTEGER);
    expect(forever.segmentCount).toBe(count);
    await log.close();
    await forever.close();
  });

  it('retention leaves compact-only topics alone', async () => {
    const log = open({ segmentBytes: 300, retentionBytes: 0, cleanupPolicy: 'compact' });
    for (let i = 0; i < 10; i++) log.append(buildSizedBatch(2, 60));
    const count = log.segmentCount;
    log.applyRetention(Date.now());
    expect(log.segmentCount).toBe(count);
    await log.close();
  });

  it('compaction keeps the latest value per key, preserves offsets, and leaves the active segment', async () => {
    const log = open({ segmentBytes: 400, cleanupPolicy: 'compact' });
    for (let round = 0; round < 6; round++) {
      log.append(
        buildBatch(
          ['a', 'b', 'c'].map((k) => ({ key: k, value: `${k}${round}` })),
          1_000 + round,
        ),
      );
    }
    log.append(buildBatch([{ key: null, value: 'no key' }]));
    const activeBase = log.segmentBaseOffsets().at(-1)!;
    const before = contents(log);
    const result = await log.compact(Date.now());
    expect(result.skipped).toBeNull();
    expect(result.recordsRemoved).toBeGreaterThan(0);
    const after = contents(log);
    // The active segment is untouched.
    expect(after.filter(([o]) => o >= activeBase)).toEqual(before.filter(([o]) => o >= activeBase));
    // Below it, exactly the latest record of each key (among the cleanable records) survives, at its offset.
    const latest = new Map<string | null, [number, string | null, string | null]>();
    for (const r of before.filter(([o]) => o < activeBase)) latest.set(r[1], r);
    expect(after.filter(([o]) => o < activeBase)).toEqual([...latest.values()].sort((x, y) => x[0] - y[0]));
    expect(after.some(([, k]) => k === null)).toBe(true);
    // Offsets are preserved and the log still reads and appends correctly after a reopen.
    expect(log.logEndOffset).toBe(19);
    await log.close();
    const reopened = open({ segmentBytes: 400, cleanupPolicy: 'compact' });
    expect(contents(reopened)).toEqual(after);
    expect(reopened.append(buildSizedBatch(1, 3)).baseOffset).toBe(19);
    await reopened.close();
  });

  it('keeps tombstones for delete.retention.ms, then removes them', async () => {
    const config: Partial<LogConfig> = {
      segmentBytes: 200,
      cleanupPolicy: 'compact',
      deleteRetentionMs: 1000,
      minCleanableDirtyRatio: 0,
    };
    const log = open(config);
    log.append(buildBatch([{ key: 'k', value: 'v1' }], 5_000));
    log.append(buildBatch([{ key: 'k', value: null }], 5_000)); // tombstone
    log.append(buildBatch([{ key: 'other', value: 'x'.repeat(200) }], 5_000));
    log.append(buildBatch([{ key: 'tail', value: 'y' }], 5_000)); // active segment
    await log.compact(5_500);
    expect(contents(log).filter(([, k]) => k === 'k')).toEqual([[1, 'k', null]]);
    await log.compact(6_001);
    expect(contents(log).filter(([, k]) => k === 'k')).toEqual([]);
    expect(contents(log).map(([, k]) => k)).toEqual(['other', 'tail']);
    await log.close();
  });

  it('skips compaction below min.cleanable.dirty.ratio and for delete-only topics', async () => {
    const log = open({ segmentBytes: 200, cleanupPolicy: 'compact' });
    for (let i = 0; i < 6; i++) log.append(buildBatch([{ key: 'k', value: 'v'.repeat(150) }]));
    expect((await log.compact(Date.now())).skipped).toBeNull();
    expect((await log.compact(Date.now())).skipped).toMatch(/dirty ratio/);
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'plog-del-'));
    try {
      const deleteLog = PartitionLog.open(plain, DEFAULT_LOG_CONFIG, new FlushScheduler());
      expect((await deleteLog.compact(Date.now())).skipped).toMatch(/cleanup.policy is delete/);
      await deleteLog.close();
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
    await log.close();
  });

  it('compacts compressed batches, recompressing them with their own codec', async () => {
    const log = open({ segmentBytes: 300, cleanupPolicy: 'compact' });
    for (let round = 0; round < 4; round++) {
      const batch = encodeRecordBatchSync({
        compression: Compression.Gzip,
        baseTimestamp: 1_000,
        records: ['a', 'b'].map((k) => ({
          key: Buffer.from(k),
          value: Buffer.from(`${k}${round}-${'z'.repeat(80)}`),
        })),
      });
      log.append(batch);
    }
    log.append(buildBatch([{ key: 'tail', value: 't' }]));
    const result = await log.compact(Date.now());
    expect(result.recordsRemoved).toBeGreaterThan(0);
    const batches = splitBatches(log.read(0, 1 << 20).chunks);
    expect(
      batches.every(
        (b) => (b.bytes.readInt16BE(21) & 7) === Compression.Gzip || b.bytes.readInt16BE(21) === 0,
      ),
    ).toBe(true);
    const values = contents(log);
    const aValues = values.filter(([, k]) => k === 'a').map(([, , v]) => v!.slice(0, 2));
    expect(aValues.at(-1)).toBe('a3');
    expect(new Set(values.filter(([o]) => o < log.segmentBaseOffsets().at(-1)!).map(([, k]) => k)).size).toBe(
      values.filter(([o]) => o < log.segmentBaseOffsets().at(-1)!).length,
    );
    await log.close();
  });
});
