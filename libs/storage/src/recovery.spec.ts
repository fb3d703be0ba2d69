import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlushScheduler } from './flush-scheduler';
import { DEFAULT_LOG_CONFIG, LogConfig } from './log-config';
import { PartitionLog } from './partition-log';
import { buildSizedBatch, splitBatches } from './test-batches';

describe('PartitionLog crash recovery', () => {
  let dir: string;
  const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 2000, indexIntervalBytes: 200 };
  const open = (): PartitionLog => PartitionLog.open(dir, config, new FlushScheduler());
  const activeLogFile = (log: PartitionLog): string =>
    path.join(dir, `${String(log.segmentBaseOffsets().at(-1)).padStart(20, '0')}.log`);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plog-rec-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** 30 batches of 3 records (offsets 0..89) over several segments; returns the active segment file. */
  async function fill(): Promise<{ file: string; lastBatchSize: number }> {
    const log = open();
    let lastBatchSize = 0;
    for (let i = 0; i < 30; i++) {
      const batch = buildSizedBatch(3, 60);
      lastBatchSize = batch.length;
      log.append(batch);
    }
    expect(log.segmentCount).toBeGreaterThan(2);
    const file = activeLogFile(log);
    await log.close();
    return { file, lastBatchSize };
  }

  async function expectRecoveredTo(endOffset: number): Promise<void> {
    const log = open();
    expect(log.logEndOffset).toBe(endOffset);
    expect(log.recovery.truncatedBytes).toBeGreaterThan(0);
    const batches = splitBatches(log.read(0, 1 << 20).chunks);
    expect(batches.at(-1)!.lastOffset).toBe(endOffset - 1);
    expect(log.append(buildSizedBatch(2, 5)).baseOffset).toBe(endOffset);
    await log.close();
    const again = open();
    expect(again.logEndOffset).toBe(endOffset + 2);
    expect(again.recovery.truncatedBytes).toBe(0);
    await again.close();
  }

  it('truncates a torn last batch (cut mid-batch)', async () => {
    const { file, lastBatchSize } = await fill();
    fs.truncateSync(file, fs.statSync(file).size - Math.floor(lastBatchSize / 2));
    await expectRecoveredTo(87);
  });

  it('truncates garbage appended after the last batch', async () => {
    const { file } = await fill();
    fs.appendFileSync(file, Buffer.from('this is not a record batch at all, just garbage bytes'));
    await expectRecoveredTo(90);
  });

  it('truncates a last batch whose bytes were flipped (CRC32C mismatch)', async () => {
    const { file, lastBatchSize } = await fill();
    const fd = fs.openSync(file, 'r+');
    const at = fs.statSync(file).size - Math.floor(lastBatchSize / 3);
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    fs.writeSync(fd, byte, 0, 1, at);
    fs.closeSync(fd);
    await expectRecoveredTo(87);
  });

  it('rebuilds deleted index files and reads still work', async () => {
    await fill();
    for (const name of fs.readdirSync(dir)) {
      if (name.endsWith('.index') || name.endsWith('.timeindex')) fs.unlinkSync(path.join(dir, name));
    }
    const log = open();
    expect(log.recovery.rebuiltIndexes).toBeGreaterThan(0);
    expect(log.logEndOffset).toBe(90);
    expect(fs.existsSync(path.join(dir, '00000000000000000000.index'))).toBe(true);
    for (const offset of [0, 1, 44, 45, 88, 89]) {
      expect(splitBatches(log.read(offset, 1).chunks)[0]!.baseOffset).toBe(offset - (offset % 3));
    }
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1_700_000_000_000 });
    await log.close();
  });

  it('rebuilds an implausible index (garbage contents)', async () => {
    await fill();
    fs.writeFileSync(path.join(dir, '00000000000000000000.index'), Buffer.alloc(16, 0xff));
    const log = open();
    expect(log.recovery.rebuiltIndexes).toBe(1);
    expect(splitBatches(log.read(10, 1).chunks)[0]!.baseOffset).toBe(9);
    await log.close();
  });

  it('removes leftover temp and cleaned files', async () => {
    await fill();
    fs.writeFileSync(path.join(dir, '00000000000000000000.log.cleaned'), 'partial');
    fs.writeFileSync(path.join(dir, 'log-start-offset.tmp'), 'partial');
    const log = open();
    expect(fs.readdirSync(dir).some((n) => n.endsWith('.cleaned') || n.endsWith('.tmp'))).toBe(false);
    await log.close();
  });

  it('recovers an empty active segment left by a roll', async () => {
    await fill();
    const log = open();
    log.rollNow();
    const end = log.logEndOffset;
    await log.close();
    fs.appendFileSync(activeLogFile(log), Buffer.alloc(30, 1));
    const reopened = open();
    expect(reopened.logEndOffset).toBe(end);
    expect(reopened.append(buildSizedBatch(1, 1)).baseOffset).toBe(end);
    await reopened.close();
  });
});
