import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlushScheduler } from './flush-scheduler';
import { DEFAULT_LOG_CONFIG } from './log-config';
import { PartitionLog } from './partition-log';
import { buildSizedBatch } from './test-batches';

describe('FlushScheduler group commit', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'plog-flush-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('coalesces many awaitDurable calls across logs into one round', async () => {
    const flusher = new FlushScheduler();
    const logs = [0, 1, 2, 3].map((i) =>
      PartitionLog.open(path.join(root, `t-${i}`), DEFAULT_LOG_CONFIG, flusher),
    );
    await Promise.all(logs.map((l) => l.flush())); // directory creation round(s)
    const roundsBefore = flusher.rounds;
    const waits: Array<Promise<void>> = [];
    for (let i = 0; i < 100; i++) {
      const log = logs[i % logs.length]!;
      const res = log.append(buildSizedBatch(5, 20));
      waits.push(log.awaitDurable(res.lastOffset + 1));
    }
    await Promise.all(waits);
    expect(flusher.rounds - roundsBefore).toBe(1);
    for (const log of logs) expect(log.durableEndOffset).toBe(log.logEndOffset);
    await Promise.all(logs.map((l) => l.close()));
  });

  it('puts requests made during a round into the next round', async () => {
    const flusher = new FlushScheduler();
    const log = PartitionLog.open(path.join(root, 't-0'), DEFAULT_LOG_CONFIG, flusher);
    await log.flush();
    const start = flusher.rounds;
    log.append(buildSizedBatch(1, 10));
    const first = log.flush();
    await new Promise((resolve) => setImmediate(resolve)); // the round has started
    const end = log.append(buildSizedBatch(1, 10)).lastOffset + 1;
    const second = log.awaitDurable(end);
    const third = log.awaitDurable(end);
    await Promise.all([first, second, third]);
    expect(flusher.rounds - start).toBe(2);
    expect(log.durableEndOffset).toBe(end);
    await log.close();
  });

  it('resolves at once when the offset is already durable, and syncs only dirty files', async () => {
    const flusher = new FlushScheduler();
    const log = PartitionLog.open(path.join(root, 't-0'), DEFAULT_LOG_CONFIG, flusher);
    log.append(buildSizedBatch(1, 10));
    await log.flush();
    const rounds = flusher.rounds;
    const calls = flusher.syncCalls;
    await log.awaitDurable(1);
    await log.flush();
    expect(flusher.rounds).toBe(rounds);
    await flusher.flushAll(); // nothing dirty: a round, but no syncs
    expect(flusher.syncCalls).toBe(calls);
    await expect(log.awaitDurable(5)).rejects.toThrow(/past the log end offset/);
    await log.close();
  });

  it('fsyncs the directory after a new segment file is created', async () => {
    const flusher = new FlushScheduler();
    const log = PartitionLog.open(
      path.join(root, 't-0'),
      { ...DEFAULT_LOG_CONFIG, segmentBytes: 100 },
      flusher,
    );
    log.append(buildSizedBatch(1, 80));
    await log.flush();
    const calls = flusher.syncCalls;
    const dirCalls = flusher.dirSyncCalls;
    log.append(buildSizedBatch(1, 80)); // rolls: only the new segment and the directory are dirty
    await log.flush();
    expect(flusher.syncCalls - calls).toBe(2);
    expect(flusher.dirSyncCalls - dirCalls).toBe(1);
    log.append(buildSizedBatch(1, 80));
    log.append(buildSizedBatch(1, 80)); // rolls with unsynced data: old segment + new segment + directory
    await log.flush();
    expect(flusher.syncCalls - calls).toBe(5);
    expect(flusher.dirSyncCalls - dirCalls).toBe(2);
    await log.close();
  });
});
