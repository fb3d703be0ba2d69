// Small synchronous file helpers shared by segments, checkpoints and compaction.
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A read buffer that avoids the slow copy destination a fresh large Buffer lands on (page + 16; see the
 * storage notes on the alignment trap): allocate 64 extra bytes and start 64 bytes in.
 */
export function allocReadBuffer(size: number): Buffer {
  return Buffer.allocUnsafeSlow(size + 64).subarray(64);
}

/** pread until `length` bytes are read or the file ends; returns the bytes read. */
export function readFully(fd: number, buf: Buffer, length: number, position: number, bufOffset = 0): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, bufOffset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** pwrite the whole range (regular files rarely write short, but the API allows it). */
export function writeFully(fd: number, buf: Buffer, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    done += fs.writeSync(fd, buf, offset + done, length - done, position + done);
  }
}

/** Replace `file` with `data` so a crash leaves either the old or the new content, never a mix. */
export function writeFileAtomic(file: string, data: Buffer | string): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    writeFully(fd, bytes, 0, bytes.length, 0);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function unlinkIfExists(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export function fileSizeOrNull(file: string): number | null {
  try {
    return fs.statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export const joinPath = path.join;
