import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlushScheduler } from './flush-scheduler';
import { DEFAULT_LOG_CONFIG } from './log-config';
import { LogManager, parsePartitionDirName } from './log-manager';
import { buildBatch, buildSizedBatch } from './test-batches';

describe('LogManager', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'plog-mgr-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('parses the partition after the last dash', () => {
    expect(parsePartitionDirName('my-topic-with-dashes-12')).toEqual({
      topic: 'my-topic-with-dashes',
      partition: 12,
    });
    expect(parsePartitionDirName('no_partition')).toBeNull();
    expect(parsePartitionDirName('t-1.deleting')).toBeNull();
  });

  it('creates logs, reopens them from disk, and deletes topics', async () => {
    const manager = new LogManager(root, new FlushScheduler());
    manager.getOrCreate('orders-eu', 0, DEFAULT_LOG_CONFIG).append(buildSizedBatch(3, 10));
    manager.getOrCreate('orders-eu', 1, DEFAULT_LOG_CONFIG);
    manager.getOrCreate('audit', 0, DEFAULT_LOG_CONFIG).append(buildSizedBatch(1, 10));
    expect(manager.getOrCreate('orders-eu', 0, DEFAULT_LOG_CONFIG)).toBe(manager.get('orders-eu', 0));
    await manager.closeAll();

    const reopened = new LogManager(root, new FlushScheduler());
    expect(
      reopened
        .all()
        .map(({ topic, partition }) => `${topic}/${partition}`)
        .sort(),
    ).toEqual(['audit/0', 'orders-eu/0', 'orders-eu/1']);
    expect(reopened.get('orders-eu', 0)!.logEndOffset).toBe(3);
    reopened.deleteTopic('orders-eu');
    expect(reopened.get('orders-eu', 0)).toBeUndefined();
    expect(fs.readdirSync(root)).toEqual(['audit-0']);
    expect(() => reopened.getOrCreate('../x', 0, DEFAULT_LOG_CONFIG)).toThrow(/directory name/);
    await reopened.closeAll();
  });

  it('runs retention and compaction over every log in a maintenance pass', async () => {
    const errors: unknown[] = [];
    const manager = new LogManager(root, new FlushScheduler(), { onError: (e) => errors.push(e) });
    const deleting = manager.getOrCreate('d', 0, {
      ...DEFAULT_LOG_CONFIG,
      segmentBytes: 200,
      retentionBytes: 0,
      retentionMs: -1,
    });
    const compacted = manager.getOrCreate('c', 0, {
      ...DEFAULT_LOG_CONFIG,
      segmentBytes: 200,
      cleanupPolicy: 'compact',
    });
    for (let i = 0; i < 5; i++) {
      deleting.append(buildSizedBatch(1, 150));
      compacted.append(buildBatch([{ key: 'k', value: 'v'.repeat(150) }]));
    }
    const compactedSize = compacted.size();
    await manager.runMaintenance();
    expect(errors).toEqual([]);
    expect(deleting.segmentCount).toBe(1);
    expect(compacted.size()).toBeLessThan(compactedSize);
    await manager.closeAll();
  });
});
