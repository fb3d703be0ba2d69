import { InMemoryOffsetStore, startSource, type DrivenSource } from '@tributary/connect-sdk/acceptance';
import type { SourceRecord } from '@tributary/connect-sdk';
import {
  appendFileSync,
  copyFileSync,
  linkSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSourceConfig, type FileSourceConfig } from './config';
import { FileSourceTask } from './file-source-task';

/** Lines `from`..`to-1`, long enough that a file of a few lines exceeds a 64-byte fingerprint. */
function lines(prefix: string, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += `${prefix} line ${String(i).padStart(4, '0')} ${'.'.repeat(24)}\n`;
  return s;
}

describe('FileSourceTask rotation and truncation', () => {
  let dir: string;
  let log: string;
  const tasks: FileSourceTask[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-source-rot-'));
    log = join(dir, 'app.log');
  });
  afterEach(async () => {
    for (const t of tasks.splice(0)) await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (
    config: Record<string, unknown> = {},
    offsets?: InMemoryOffsetStore,
  ): Promise<DrivenSource<FileSourceConfig>> => {
    const task = new FileSourceTask({ maxWaitMs: 0 });
    tasks.push(task);
    const raw = { paths: [`${log}*`], topic: 'logs', 'poll.interval': 0, 'fingerprint.bytes': 64, ...config };
    return startSource(fileSourceConfig, raw, task, offsets);
  };
  const texts = (records: readonly SourceRecord[]) => records.map((r) => String(r.value).slice(0, 14));
  const sorted = (records: readonly SourceRecord[]) => texts(records).sort();
  const keys = (records: readonly SourceRecord[]) => new Set(records.map((r) => r.key));

  it('rename rotation: finishes the renamed file and reads the new one from the start', async () => {
    writeFileSync(log, lines('old', 0, 3));
    const src = await start();
    const before = await src.drain();
    expect(texts(before)).toEqual(['old line 0000 ', 'old line 0001 ', 'old line 0002 ']);
    appendFileSync(log, lines('old', 3, 5));
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines('new', 0, 2));
    const after = await src.drain();
    expect(sorted(after)).toEqual(['new line 0000 ', 'new line 0001 ', 'old line 0003 ', 'old line 0004 ']);
    const old = after.filter((r) => String(r.value).startsWith('old'));
    expect(keys(old)).toEqual(keys(before));
    expect(old.map((r) => r.headers?.['file.path'])).toEqual([`${log}.1`, `${log}.1`]);
  });

  it('rename rotation outside the globs: keeps reading the renamed file through its open handle', async () => {
    writeFileSync(log, lines('old', 0, 2));
    const src = await start({ paths: [log] });
    expect(await src.drain()).toHaveLength(2);
    renameSync(log, join(dir, 'archived'));
    // The application still writes through its old descriptor for a moment.
    appendFileSync(join(dir, 'archived'), lines('old', 2, 3));
    writeFileSync(log, lines('new', 0, 1));
    expect(sorted(await src.drain())).toEqual(['new line 0000 ', 'old line 0002 ']);
  });

  it('rename rotation across a restart: the stored fingerprint is found under its new name', async () => {
    writeFileSync(log, lines('old', 0, 4));
    const first = await start();
    const got = await first.drain();
    await first.ack(got.slice(0, 2));
    await first.task.stop();
    appendFileSync(log, lines('old', 4, 5));
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines('new', 0, 1));
    const second = await start({}, first.offsets);
    expect(sorted(await second.drain())).toEqual([
      'new line 0000 ',
      'old line 0002 ',
      'old line 0003 ',
      'old line 0004 ',
    ]);
  });

  it('copy-truncate: the copy continues the original position, the truncated file starts over', async () => {
    writeFileSync(log, lines('old', 0, 3));
    const src = await start();
    const before = await src.drain();
    appendFileSync(log, lines('old', 3, 5));
    copyFileSync(log, `${log}.1`);
    // Between copy and truncate the copy is the same identity: nothing is read from it twice.
    const between = await src.drain();
    expect(sorted(between)).toEqual(['old line 0003 ', 'old line 0004 ']);
    appendFileSync(log, lines('old', 5, 6));
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines('new', 0, 2));
    const after = await src.drain();
    expect(sorted(after)).toEqual(['new line 0000 ', 'new line 0001 ', 'old line 0005 ']);
    const old = after.find((r) => String(r.value).startsWith('old'));
    expect(old?.key).toBe(before[0].key);
    expect(old?.headers?.['file.path']).toBe(`${log}.1`);
    const fresh = after.filter((r) => String(r.value).startsWith('new'));
    expect(fresh.map((r) => r.headers?.['source.position'])).toEqual(['0', '39']);
    expect(fresh[0].key).not.toBe(before[0].key);
  });

  it('copy-truncate across a restart: the copy resumes at the stored position, never from 0', async () => {
    writeFileSync(log, lines('old', 0, 4));
    const first = await start();
    await first.ack((await first.drain()).slice(0, 3));
    await first.task.stop();
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    writeFileSync(log, lines('new', 0, 1));
    const second = await start({}, first.offsets);
    expect(sorted(await second.drain())).toEqual(['new line 0000 ', 'old line 0003 ']);
  });

  it('truncation: a file that shrinks and refills, even past the old position, gets a fresh identity read from 0', async () => {
    writeFileSync(log, lines('old', 0, 2));
    const src = await start();
    const before = await src.drain();
    truncateSync(log, 0);
    appendFileSync(log, lines('new', 0, 4));
    const after = await src.drain();
    expect(texts(after)).toEqual(['new line 0000 ', 'new line 0001 ', 'new line 0002 ', 'new line 0003 ']);
    expect(after[0].headers?.['source.position']).toBe('0');
    expect(after[0].key).not.toBe(before[0].key);
  });

  it('reads a file reachable under two names (hard link, a finished copy) once', async () => {
    writeFileSync(log, lines('one', 0, 3));
    linkSync(log, `${log}.link`);
    copyFileSync(log, `${log}.copy`);
    const src = await start();
    const got = await src.drain();
    expect(texts(got)).toEqual(['one line 0000 ', 'one line 0001 ', 'one line 0002 ']);
    appendFileSync(log, lines('one', 3, 4));
    expect(texts(await src.drain())).toEqual(['one line 0003 ']);
  });

  it('waits for a half-copied short file instead of taking it for a new one, then continues on the longer copy', async () => {
    writeFileSync(log, 'short a\nshort b\n');
    const src = await start({ 'fingerprint.bytes': 1024 });
    const before = await src.drain();
    expect(before).toHaveLength(2);
    writeFileSync(`${log}.1`, 'short a\n');
    expect(await src.drain()).toEqual([]);
    appendFileSync(`${log}.1`, 'short b\nshort c\n');
    unlinkSync(log);
    const after = await src.drain();
    expect(texts(after)).toEqual(['short c']);
    expect(after[0].key).toBe(before[0].key);
  });

  it('recognises a file that grew past its fingerprinted head after a restart', async () => {
    writeFileSync(log, 'tiny\n');
    const first = await start({ 'fingerprint.bytes': 1024 });
    const got = await first.drain();
    expect(got[0].sourceOffset).toEqual({ position: 5, head: 5 });
    await first.ack(got);
    await first.task.stop();
    appendFileSync(log, lines('more', 0, 40));
    const second = await start({ 'fingerprint.bytes': 1024 }, first.offsets);
    const rest = await second.drain();
    expect(rest).toHaveLength(40);
    expect(texts(rest)[0]).toBe('more line 0000');
    expect(keys(rest)).toEqual(keys(got));
  });
});
