import type { SinkRecord } from '@tributary/connect-sdk';
import { fakeSinkContext, nextOffsets } from '@tributary/connect-sdk/acceptance';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSinkConfig } from './config';
import { FileSinkTask } from './file-sink-task';

function record(
  offset: number,
  value: unknown,
  headers: SinkRecord['headers'] = {},
  topic = 'orders',
): SinkRecord {
  return { topic, partition: 0, offset, key: `k${offset}`, value, headers, timestamp: 0 };
}

describe('FileSinkTask', () => {
  let dir: string;
  let out: string;
  const errant: Array<{ record: SinkRecord; error: Error }> = [];
  const tasks: FileSinkTask[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-sink-'));
    out = join(dir, 'nested', 'out.jsonl');
    errant.length = 0;
  });
  afterEach(async () => {
    for (const t of tasks.splice(0)) await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (config: Record<string, unknown> = {}, bufferBytes?: number): Promise<FileSinkTask> => {
    const task = new FileSinkTask({ bufferBytes });
    tasks.push(task);
    await task.start(fakeSinkContext('file-sink', fileSinkConfig.parse({ path: out, ...config }), errant));
    return task;
  };
  const lines = () =>
    readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  const checkpoint = () => JSON.parse(readFileSync(`${out}.checkpoint.json`, 'utf8')) as unknown;

  it('writes one JSON value per line and checkpoints size, next offsets and source positions on flush', async () => {
    const task = await start();
    const records = [
      record(0, { id: 1 }),
      record(1, 'text', { 'source.id': 'fp1', 'source.position': '0' }),
      record(2, null),
    ];
    await task.put(records);
    await task.flush(nextOffsets(records));
    expect(lines()).toEqual(['{"id":1}', '"text"', 'null']);
    expect(checkpoint()).toEqual({ size: statSync(out).size, next: { 'orders/0': 3 }, sources: { fp1: 0 } });
    expect(existsSync(`${out}.checkpoint.json.tmp`)).toBe(false);
  });

  it('cuts lines written after the last flush when a new task starts (crash)', async () => {
    const first = await start({}, 1);
    await first.put([record(0, 'a'), record(1, 'b')]);
    await first.flush(nextOffsets([record(1, 'b')]));
    const flushedSize = statSync(out).size;
    await first.put([record(2, 'c'), record(3, 'd')]);
    expect(lines()).toEqual(['"a"', '"b"', '"c"', '"d"']);
    // No flush, no stop: the process died. A new instance starts on the same file.
    const second = await start({}, 1);
    expect(statSync(out).size).toBe(flushedSize);
    expect(lines()).toEqual(['"a"', '"b"']);
    await second.put([record(2, 'c'), record(3, 'd')]);
    await second.flush(nextOffsets([record(3, 'd')]));
    expect(lines()).toEqual(['"a"', '"b"', '"c"', '"d"']);
  });

  it('skips redelivered records below the checkpointed next offset, per topic partition', async () => {
    const first = await start();
    await first.put([record(0, 'a'), record(1, 'b'), record(0, 'other', {}, 'payments')]);
    await first.flush(nextOffsets([record(1, 'b'), record(0, 'x', {}, 'payments')]));
    await first.stop();
    const second = await start();
    await second.put([
      record(0, 'a'),
      record(1, 'b'),
      record(2, 'c'),
      record(0, 'other', {}, 'payments'),
      record(1, 'more', {}, 'payments'),
    ]);
    await second.flush(nextOffsets([record(2, 'c'), record(1, 'x', {}, 'payments')]));
    expect(lines()).toEqual(['"a"', '"b"', '"other"', '"c"', '"more"']);
  });

  it('skips source lines a restarted source sent again under new topic offsets (headers as Buffer or string)', async () => {
    const task = await start();
    const src = (offset: number, position: number, asBuffer: boolean) =>
      record(offset, `line@${position}`, {
        'source.id': asBuffer ? Buffer.from('fpA') : 'fpA',
        'source.position': asBuffer ? Buffer.from(String(position)) : String(position),
      });
    await task.put([src(0, 0, false), src(1, 10, false), src(2, 20, true)]);
    await task.flush(nextOffsets([src(2, 20, true)]));
    await task.stop();
    const again = await start();
    // The source resumed from an older stored offset and re-sent 10 and 20 as topic offsets 3 and 4.
    const resent = [src(3, 10, true), src(4, 20, false), src(5, 30, true)];
    await again.put(resent);
    await again.flush(nextOffsets(resent));
    expect(lines()).toEqual(['"line@0"', '"line@10"', '"line@20"', '"line@30"']);
    expect(checkpoint()).toMatchObject({ sources: { fpA: 30 }, next: { 'orders/0': 6 } });
  });

  it('envelope format: topic, partition, offset, key, value and text headers', async () => {
    const task = await start({ format: 'envelope' });
    const r = { ...record(7, { a: 1 }, { 'source.id': Buffer.from('fp') }), key: Buffer.from('key-7') };
    await task.put([r, record(8, 'v')]);
    await task.flush(nextOffsets([record(8, 'v')]));
    expect(lines().map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        topic: 'orders',
        partition: 0,
        offset: 7,
        key: 'key-7',
        value: { a: 1 },
        headers: { 'source.id': 'fp' },
      },
      { topic: 'orders', partition: 0, offset: 8, key: 'k8', value: 'v' },
    ]);
  });

  it('keeps a file that existed before the first start, and appends to it', async () => {
    rmSync(join(dir, 'nested'), { recursive: true, force: true });
    const pre = join(dir, 'pre.jsonl');
    writeFileSync(pre, '{"kept":true}\n');
    out = pre;
    const first = await start({}, 1);
    await first.put([record(0, 'unflushed')]);
    const second = await start();
    await second.put([record(0, 'x')]);
    await second.flush(nextOffsets([record(0, 'x')]));
    expect(lines()).toEqual(['{"kept":true}', '"x"']);
  });

  it('refuses to start when the file is shorter than its checkpoint', async () => {
    const first = await start();
    await first.put([record(0, 'a')]);
    await first.flush(nextOffsets([record(0, 'a')]));
    await first.stop();
    truncateSync(out, 0);
    await expect(start()).rejects.toThrow(
      /truncated or replaced outside the sink.*Delete .*checkpoint\.json/,
    );
  });

  it('hands a value with no JSON form to the error policy and writes the rest', async () => {
    const task = await start();
    await task.put([record(0, 'ok'), record(1, { n: BigInt(1) }), record(2, 'also ok')]);
    await task.flush(nextOffsets([record(2, '')]));
    expect(lines()).toEqual(['"ok"', '"also ok"']);
    expect(errant.map((e) => e.record.offset)).toEqual([1]);
  });
});
