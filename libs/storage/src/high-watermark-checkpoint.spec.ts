import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  HIGH_WATERMARK_CHECKPOINT_FILE,
  HighWatermarkCheckpoint,
  readHighWatermarks,
} from './high-watermark-checkpoint';

describe('HighWatermarkCheckpoint', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes Kafka`s replication-offset-checkpoint format and hands each value out once after a restart', () => {
    const first = new HighWatermarkCheckpoint(dir);
    expect(first.problem).toBeNull();
    expect(first.take('orders', 0)).toBeUndefined();
    expect(
      first.write([
        { topic: 'orders', partition: 1, offset: 7 },
        { topic: 'a-b', partition: 0, offset: 12 },
        { topic: 'orders', partition: 0, offset: 40 },
      ]),
    ).toBe(true);
    const file = path.join(dir, HIGH_WATERMARK_CHECKPOINT_FILE);
    expect(fs.readFileSync(file, 'utf8')).toBe('0\n3\na-b 0 12\norders 0 40\norders 1 7\n');
    // Unchanged values are not written again.
    expect(
      first.write([
        { topic: 'orders', partition: 0, offset: 40 },
        { topic: 'orders', partition: 1, offset: 7 },
        { topic: 'a-b', partition: 0, offset: 12 },
      ]),
    ).toBe(false);

    const restarted = new HighWatermarkCheckpoint(dir);
    expect(restarted.take('orders', 0)).toBe(40);
    expect(restarted.take('orders', 0)).toBeUndefined();
    expect(restarted.take('a-b', 0)).toBe(12);
    expect(restarted.take('orders', 2)).toBeUndefined();
  });

  it('ignores a corrupt file and says why', () => {
    const file = path.join(dir, HIGH_WATERMARK_CHECKPOINT_FILE);
    for (const garbage of ['0\n2\nt 0 1\n', '7\n0\n', '0\n1\nt x 1\n', '0\n1\nt 0 -4\n', '0\n1\n 0 4\n']) {
      fs.writeFileSync(file, garbage);
      expect('problem' in readHighWatermarks(file)).toBe(true);
      const c = new HighWatermarkCheckpoint(dir);
      expect(c.problem).toMatch(/is corrupt/);
      expect(c.take('t', 0)).toBeUndefined();
    }
  });
});
