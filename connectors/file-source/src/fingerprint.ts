import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/**
 * A file's identity is a hash of its first bytes, not its inode: a renamed file keeps it, a copy made by
 * copy-truncate rotation shares it, and a reused inode or a truncated file does not.
 */
export function fingerprintOf(head: Buffer): string {
  return createHash('sha256').update(head).digest('hex');
}

/** Reads up to `max` bytes from the start of an open file. */
export async function readHead(handle: FileHandle, max: number): Promise<Buffer> {
  const buf = Buffer.alloc(max);
  let filled = 0;
  while (filled < max) {
    const { bytesRead } = await handle.read(buf, filled, max - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buf.subarray(0, filled);
}

/** Byte offset just after the last newline of the file's first `size` bytes (0 if none), read backwards in chunks. */
export async function lastLineEnd(handle: FileHandle, size: number, chunkBytes = 64 * 1024): Promise<number> {
  const buf = Buffer.alloc(chunkBytes);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunkBytes);
    const { bytesRead } = await handle.read(buf, 0, end - start, start);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl !== -1) return start + nl + 1;
    end = start;
  }
  return 0;
}
