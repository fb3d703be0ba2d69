import { InMemoryOffsetStore, startSource, type DrivenSource } from '@tributary/connect-sdk/acceptance';
import type { SourceRecord } from '@tributary/connect-sdk';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSourceConfig, type FileSourceConfig } from './config';
import { FileSourceTask } from './file-source-task';

describe('FileSourceTask', () => {
  let dir: string;
  let clock = 0;
  const tasks: FileSourceTask[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-source-'));
    clock = 0;
  });
  afterEach(async () => {
    for (const t of tasks.splice(0)) await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One scan and read per poll (no waiting), on a clock the test moves. */
  const start = async (
    config: Record<string, unknown> = {},
    offsets?: InMemoryOffsetStore,
  ): Promise<DrivenSource<FileSourceConfig>> => {
    const task = new FileSourceTask({ maxWaitMs: 0, now: () => clock });
    tasks.push(task);
    return startSource(
      fileSourceConfig,
      { paths: [join(dir, '*.log')], topic: 'logs', 'poll.interval': 0, ...config },
      task,
      offsets,
    );
  };
  const values = (records: readonly SourceRecord[]) => records.map((r) => r.value);
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');

  it('sends complete lines with fingerprint key, headers and offsets; a partial line waits for its newline', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'alpha\nbeta\ngam');
    const src = await start();
    const first = await src.drain();
    const fp = sha('alpha\nbeta\ngam');
    expect(first).toEqual([
      {
        topic: 'logs',
        key: fp,
        value: 'alpha',
        headers: { 'source.id': fp, 'source.position': '0', 'file.path': file },
        sourcePartition: { fingerprint: fp },
        sourceOffset: { position: 6, head: 14 },
      },
      expect.objectContaining({
        value: 'beta',
        headers: expect.objectContaining({ 'source.position': '6' }),
        sourceOffset: { position: 11, head: 14 },
      }),
    ]);
    appendFileSync(file, 'ma\n');
    expect(await src.drain()).toEqual([
      expect.objectContaining({ value: 'gamma', key: fp, sourceOffset: { position: 17, head: 14 } }),
    ]);
  });

  it('json: parses objects and turns a broken line into a failed record holding the raw line', async () => {
    writeFileSync(join(dir, 'app.log'), '{"level":"info","n":1}\n{"level":\n[1,2]\n');
    const got = await (await start({ format: 'json' })).drain();
    expect(values(got)).toEqual([{ level: 'info', n: 1 }, '{"level":', [1, 2]]);
    expect(got.map((r) => r.failure === undefined)).toEqual([true, false, true]);
    expect(got[1].failure?.message).toMatch(/app\.log at byte 23 is not valid JSON/);
  });

  it('regex: named groups, and a failed record for a line that does not match', async () => {
    writeFileSync(join(dir, 'app.log'), 'INFO started\nnoise\nWARN disk low\n');
    const got = await (await start({ format: 'regex', regex: '^(?<level>[A-Z]+) (?<msg>.*)$' })).drain();
    expect(values(got)).toEqual([
      { level: 'INFO', msg: 'started' },
      'noise',
      { level: 'WARN', msg: 'disk low' },
    ]);
    expect(got[1].failure?.message).toMatch(/does not match/);
  });

  it('multiline: joins stack traces, and flushes the last event after flush.timeout without new lines', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, '2024 ERROR boom\n  at a()\n  at b()\n2024 INFO ok\n');
    const src = await start({ multiline: { start: '^\\d{4} ', 'flush.timeout': '2s' } });
    const first = await src.drain();
    expect(values(first)).toEqual(['2024 ERROR boom\n  at a()\n  at b()']);
    expect(first[0].sourceOffset).toEqual({ position: 34, head: 47 });
    clock += 1999;
    expect(await src.drain()).toEqual([]);
    clock += 1;
    const last = await src.drain();
    expect(values(last)).toEqual(['2024 INFO ok']);
    expect(last[0].headers?.['source.position']).toBe('34');
    expect(last[0].sourceOffset).toEqual({ position: 47, head: 47 });
  });

  it('multiline: a restart re-reads the event that was still pending, since its offset was never stored', async () => {
    writeFileSync(join(dir, 'app.log'), '1 a\n b\n2 c\n d\n');
    const config = { multiline: { start: '^\\d ' } };
    const first = await start(config);
    const got = await first.drain();
    expect(values(got)).toEqual(['1 a\n b']);
    await first.ack(got);
    await first.task.stop();
    appendFileSync(join(dir, 'app.log'), '3 e\n');
    const second = await start(config, first.offsets);
    expect(values(await second.drain())).toEqual(['2 c\n d']);
  });

  it('resumes each file at its stored position: no gap, no duplicate', async () => {
    writeFileSync(join(dir, 'a.log'), 'a0\na1\na2\n');
    writeFileSync(join(dir, 'b.log'), 'b0\nb1\n');
    const first = await start();
    const got = await first.drain();
    expect(got).toHaveLength(5);
    const acked = got.filter((r) => r.value === 'a0' || r.value === 'b0' || r.value === 'b1');
    await first.ack(acked);
    await first.task.stop();
    appendFileSync(join(dir, 'b.log'), 'b2\n');
    const second = await start({}, first.offsets);
    expect((values(await second.drain()) as string[]).sort()).toEqual(['a1', 'a2', 'b2']);
  });

  it('stops at batch.size records per poll', async () => {
    writeFileSync(join(dir, 'app.log'), 'l0\nl1\nl2\nl3\nl4\n');
    const src = await start({ 'batch.size': 2 });
    expect(values(await src.poll())).toEqual(['l0', 'l1']);
    expect(values(await src.poll())).toEqual(['l2', 'l3']);
    expect(values(await src.poll())).toEqual(['l4']);
  });

  it('read.from end: skips what files held at startup, reads what is appended and files created later', async () => {
    writeFileSync(join(dir, 'old.log'), 'old0\nold1\npart');
    const src = await start({ 'read.from': 'end' });
    expect(await src.drain()).toEqual([]);
    appendFileSync(join(dir, 'old.log'), 'ial\nnew\n');
    writeFileSync(join(dir, 'later.log'), 'later0\n');
    expect((values(await src.drain()) as string[]).sort()).toEqual(['later0', 'new', 'partial']);
  });

  it('emits an over-long line as a failed record, cut to max.line.bytes, and carries on', async () => {
    writeFileSync(join(dir, 'app.log'), `${'x'.repeat(100)}\nafter\n`);
    const got = await (await start({ 'max.line.bytes': 10 })).drain();
    expect(values(got)).toEqual(['x'.repeat(10), 'after']);
    expect(got[0].failure?.message).toMatch(/longer than max\.line\.bytes/);
    expect(got[1].sourceOffset).toMatchObject({ position: 107 });
  });

  it('does not fingerprint a file before it holds a complete line', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'no newline yet');
    const src = await start();
    expect(await src.drain()).toEqual([]);
    appendFileSync(file, '\n');
    const got = await src.drain();
    expect(got).toEqual([expect.objectContaining({ value: 'no newline yet', key: sha('no newline yet\n') })]);
  });
});
