import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlushScheduler } from './flush-scheduler';
import { LEADER_EPOCH_CHECKPOINT_FILE, LeaderEpochCache, readEpochCheckpoint } from './leader-epoch-cache';
import { DEFAULT_LOG_CONFIG, LogConfig } from './log-config';
import { PartitionLog } from './partition-log';
import { buildSizedBatch } from './test-batches';

const noBatches = (): void => undefined;

describe('LeaderEpochCache', () => {
  let dir: string;
  const load = (): LeaderEpochCache => LeaderEpochCache.load(dir, noBatches).cache;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epochs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('records the first offset of each new epoch and ignores repeats and negative epochs', () => {
    const c = load();
    expect(c.latestEpoch).toBe(-1);
    expect(c.assign(0, 0)).toBe(true);
    expect(c.assign(0, 5)).toBe(false);
    expect(c.assign(-1, 7)).toBe(false);
    expect(c.assign(2, 10)).toBe(true);
    expect(c.list()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
    ]);
    expect(c.latestEpoch).toBe(2);
  });

  it('drops conflicting entries when an epoch or offset goes backwards (Kafka assign)', () => {
    const c = load();
    c.assign(1, 0);
    c.assign(3, 10);
    c.assign(5, 20);
    c.assign(4, 15); // epoch 5 is newer than 4: gone
    expect(c.list()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 4, startOffset: 15 },
    ]);
    c.assign(6, 12); // starts before epoch 4 did: epoch 4 goes
    expect(c.list()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 6, startOffset: 12 },
    ]);
    c.assign(6, 11); // the same epoch starting earlier moves back
    expect(c.list().at(-1)).toEqual({ epoch: 6, startOffset: 11 });
  });

  it('answers endOffsetFor with the largest epoch at or below the request and where the next one starts', () => {
    const c = load();
    c.assign(2, 5);
    c.assign(4, 20);
    c.assign(7, 40);
    const leo = 55;
    expect(c.endOffsetFor(7, leo)).toEqual({ epoch: 7, endOffset: 55 }); // latest: the log end
    expect(c.endOffsetFor(4, leo)).toEqual({ epoch: 4, endOffset: 40 });
    expect(c.endOffsetFor(5, leo)).toEqual({ epoch: 4, endOffset: 40 }); // unknown epoch: the one below it
    expect(c.endOffsetFor(6, leo)).toEqual({ epoch: 4, endOffset: 40 });
    expect(c.endOffsetFor(2, leo)).toEqual({ epoch: 2, endOffset: 20 });
    // Older than every epoch: the requested epoch, ending where the first known one starts.
    expect(c.endOffsetFor(1, leo)).toEqual({ epoch: 1, endOffset: 5 });
    // Newer than every epoch, negative, or nothing known: undefined.
    expect(c.endOffsetFor(8, leo)).toEqual({ epoch: -1, endOffset: -1 });
    expect(c.endOffsetFor(-1, leo)).toEqual({ epoch: -1, endOffset: -1 });
    const empty = LeaderEpochCache.load(fs.mkdtempSync(path.join(os.tmpdir(), 'epochs-')), noBatches).cache;
    expect(empty.endOffsetFor(0, 0)).toEqual({ epoch: -1, endOffset: -1 });
    fs.rmSync(path.dirname(empty.file), { recursive: true, force: true });
  });

  it('maps an offset to the epoch that wrote it', () => {
    const c = load();
    c.assign(2, 5);
    c.assign(4, 20);
    expect(c.epochForOffset(3)).toBe(-1);
    expect(c.epochForOffset(5)).toBe(2);
    expect(c.epochForOffset(19)).toBe(2);
    expect(c.epochForOffset(20)).toBe(4);
    expect(c.epochForOffset(1000)).toBe(4);
  });

  it('cuts entries from the end and folds them at the start', () => {
    const c = load();
    c.assign(1, 0);
    c.assign(2, 10);
    c.assign(3, 20);
    c.assign(4, 30);
    c.truncateFromEnd(20);
    expect(c.list()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
    ]);
    c.truncateFromStart(15);
    expect(c.list()).toEqual([{ epoch: 2, startOffset: 15 }]);
    c.truncateFromStart(5); // already past it: nothing changes
    expect(c.list()).toEqual([{ epoch: 2, startOffset: 15 }]);
    c.clear();
    expect(c.list()).toEqual([]);
    expect(load().list()).toEqual([]);
  });

  it('persists every change in Kafka`s checkpoint format and survives a reopen', () => {
    const c = load();
    c.assign(0, 0);
    c.assign(3, 42);
    expect(fs.readFileSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE), 'utf8')).toBe('0\n2\n0 0\n3 42\n');
    expect(fs.existsSync(path.join(dir, `${LEADER_EPOCH_CHECKPOINT_FILE}.tmp`))).toBe(false);
    expect(load().list()).toEqual(c.list());
  });

  it('rebuilds from the batches when the file is missing or corrupt, and says why when corrupt', () => {
    const batches = (visit: (epoch: number, base: number) => void): void => {
      visit(-1, 0);
      visit(0, 1);
      visit(0, 4);
      visit(2, 9);
    };
    const fresh = LeaderEpochCache.load(dir, batches);
    expect(fresh.problem).toBeNull();
    expect(fresh.cache.list()).toEqual([
      { epoch: 0, startOffset: 1 },
      { epoch: 2, startOffset: 9 },
    ]);
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    for (const garbage of ['0\n3\n0 1\n', '1\n0\n', '0\n2\n2 9\n0 1\n', '0\n1\nx y\n', '']) {
      fs.writeFileSync(file, garbage);
      expect('problem' in readEpochCheckpoint(file)).toBe(true);
      const again = LeaderEpochCache.load(dir, batches);
      expect(again.problem).toMatch(/is corrupt/);
      expect(again.cache.list()).toEqual(fresh.cache.list());
      expect(readEpochCheckpoint(file)).toEqual({ entries: fresh.cache.list() });
    }
  });
});

describe('PartitionLog leader epochs', () => {
  let dir: string;
  let flusher: FlushScheduler;
  const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 600, indexIntervalBytes: 100 };
  const open = (): PartitionLog => PartitionLog.open(dir, config, flusher);
  /** A batch of `n` records as a leader at `epoch` stored it at `base` (what a follower copies). */
  const copied = (base: number, n: number, epoch: number): Buffer => {
    const b = buildSizedBatch(n, 20);
    b.writeUInt32BE(Math.floor(base / 2 ** 32), 0);
    b.writeUInt32BE(base % 2 ** 32, 4);
    b.writeInt32BE(epoch, 12);
    return b;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plog-epochs-'));
    flusher = new FlushScheduler();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('tracks the epochs of leader appends and of copied batches, across segments and a reopen', async () => {
    const log = open();
    log.append(buildSizedBatch(3, 20), 0);
    log.append(buildSizedBatch(3, 20), 0);
    log.assignLeaderEpoch(2); // a new leader claims the log end before writing
    log.append(buildSizedBatch(2, 20), 2);
    log.appendAtOffsets(Buffer.concat([copied(8, 2, 2), copied(10, 4, 5), copied(14, 1, 5)]));
    const expected = [
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 6 },
      { epoch: 5, startOffset: 10 },
    ];
    expect(log.leaderEpochEntries()).toEqual(expected);
    expect(log.latestLeaderEpoch).toBe(5);
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, endOffset: 10 });
    expect(log.endOffsetForEpoch(5)).toEqual({ epoch: 5, endOffset: 15 });
    expect(log.epochForOffset(7)).toBe(2);
    expect(log.segmentCount).toBeGreaterThan(1);
    await log.close();

    const reopened = open();
    expect(reopened.leaderEpochEntries()).toEqual(expected);
    await reopened.close();
    // Without the file, the batch headers give the same history (the claim at offset 6 was written to at 6).
    fs.unlinkSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE));
    const rebuilt = open();
    expect(rebuilt.leaderEpochEntries()).toEqual(expected);
    expect(rebuilt.recovery.leaderEpochProblem).toBeNull();
    await rebuilt.close();
  });

  it('cuts epochs with the log: truncateTo, an unwritten claim at the end, truncateFullyAndStartAt', async () => {
    const log = open();
    log.append(buildSizedBatch(5, 20), 1);
    log.append(buildSizedBatch(5, 20), 3);
    log.append(buildSizedBatch(5, 20), 4);
    log.truncateTo(7); // inside epoch 3's batch: the whole batch goes, and epoch 4 with it
    expect(log.logEndOffset).toBe(5);
    expect(log.leaderEpochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    log.assignLeaderEpoch(6);
    expect(log.leaderEpochEntries().at(-1)).toEqual({ epoch: 6, startOffset: 5 });
    log.truncateTo(5); // nothing to cut from the log, but the unwritten claim goes
    expect(log.leaderEpochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    log.truncateFullyAndStartAt(100);
    expect(log.leaderEpochEntries()).toEqual([]);
    log.appendAtOffsets(copied(100, 1, 9));
    expect(log.leaderEpochEntries()).toEqual([{ epoch: 9, startOffset: 100 }]);
    await log.close();
    expect(open().leaderEpochEntries()).toEqual([{ epoch: 9, startOffset: 100 }]);
  });

  it('moves the first epoch up with the log start offset', async () => {
    const log = open();
    log.append(buildSizedBatch(5, 20), 1);
    log.append(buildSizedBatch(5, 20), 2);
    log.append(buildSizedBatch(5, 20), 3);
    log.deleteRecordsBefore(7);
    expect(log.leaderEpochEntries()).toEqual([
      { epoch: 2, startOffset: 7 },
      { epoch: 3, startOffset: 10 },
    ]);
    await log.close();
  });

  it('drops entries a crash left past the recovered log end, and rebuilds a corrupt file', async () => {
    const log = open();
    log.append(buildSizedBatch(2, 20), 0);
    log.append(buildSizedBatch(2, 20), 1);
    await log.close();
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    // The checkpoint knew of an epoch whose data never reached the disk.
    fs.writeFileSync(file, '0\n3\n0 0\n1 2\n2 4\n');
    const recovered = open();
    expect(recovered.leaderEpochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 2 },
    ]);
    await recovered.close();
    fs.writeFileSync(file, 'not a checkpoint');
    const rebuilt = open();
    expect(rebuilt.recovery.leaderEpochProblem).toMatch(/is corrupt/);
    expect(rebuilt.leaderEpochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 2 },
    ]);
    await rebuilt.close();
  });
});
