import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLines, type ReadLimits } from './line-reader';

describe('readLines', () => {
  let dir: string;
  let handle: FileHandle | null = null;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'line-reader-'))));
  afterEach(async () => {
    await handle?.close();
    handle = null;
    rmSync(dir, { recursive: true, force: true });
  });

  const limits: ReadLimits = { maxLines: 100, maxLineBytes: 1000, chunkBytes: 4, maxBytes: 1 << 20 };
  const read = async (content: string, from = 0, over: Partial<ReadLimits> = {}) => {
    writeFileSync(join(dir, 'f'), content);
    handle = await open(join(dir, 'f'), 'r');
    const r = await readLines(handle, from, { ...limits, ...over });
    return { ...r, texts: r.lines.map((l) => l.bytes.toString()) };
  };

  it('returns complete lines across chunk boundaries with their byte ranges; a partial last line waits', async () => {
    const r = await read('first line\r\nsecond\n\nthird, no newline');
    expect(r.texts).toEqual(['first line', 'second', '']);
    expect(r.lines.map((l) => [l.start, l.end])).toEqual([
      [0, 12],
      [12, 19],
      [19, 20],
    ]);
    expect(r.caughtUp).toBe(true);
  });

  it('starts at an offset and stops at maxLines', async () => {
    const r = await read('a\nbb\nccc\ndddd\n', 2, { maxLines: 2 });
    expect(r.texts).toEqual(['bb', 'ccc']);
    expect(r.lines[1].end).toBe(9);
    expect(r.caughtUp).toBe(false);
  });

  it('stops at the first line boundary after maxBytes', async () => {
    const r = await read('aaaa\nbbbb\ncccc\n', 0, { maxBytes: 6 });
    expect(r.texts).toEqual(['aaaa', 'bbbb']);
  });

  it('cuts and flags a line longer than maxLineBytes, keeping its full byte range', async () => {
    const r = await read('0123456789abcdef\nok\n', 0, { maxLineBytes: 5 });
    expect(r.lines.map((l) => [l.bytes.toString(), l.oversized, l.end])).toEqual([
      ['01234', true, 17],
      ['ok', false, 20],
    ]);
  });
});
