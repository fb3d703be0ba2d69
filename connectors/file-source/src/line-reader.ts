import type { FileHandle } from 'node:fs/promises';

/** One complete line: its byte range in the file (end includes the newline) and its bytes without "\n"/"\r\n". */
export interface RawLine {
  start: number;
  end: number;
  bytes: Buffer;
  /** The line was longer than `maxLineBytes`; `bytes` holds only its first `maxLineBytes`. */
  oversized: boolean;
}

export interface ReadLimits {
  maxLines: number;
  /** Longest line kept in memory; longer lines are cut (and flagged). */
  maxLineBytes: number;
  chunkBytes: number;
  /** Stop at the first line boundary after this many bytes, so one poll never loads a whole file. */
  maxBytes: number;
}

export interface ReadResult {
  lines: RawLine[];
  /** The read reached the end of the file: nothing more is readable right now (a partial last line waits). */
  caughtUp: boolean;
}

/**
 * Reads complete lines from `from` in fixed-size chunks. A trailing line without "\n" is not returned; the next
 * call starts again at the end of the last complete line, so no state lives between calls.
 */
export async function readLines(handle: FileHandle, from: number, limits: ReadLimits): Promise<ReadResult> {
  const lines: RawLine[] = [];
  const chunk = Buffer.alloc(limits.chunkBytes);
  let readAt = from;
  let lineStart = from;
  let parts: Buffer[] = [];
  let kept = 0;
  let lineLength = 0;
  const keep = (piece: Buffer): void => {
    lineLength += piece.length;
    const room = limits.maxLineBytes - kept;
    if (room <= 0) return;
    const slice = piece.length > room ? piece.subarray(0, room) : piece;
    // Copy: the chunk buffer is reused by the next read.
    parts.push(Buffer.from(slice));
    kept += slice.length;
  };
  while (lines.length < limits.maxLines && lineStart - from < limits.maxBytes) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, readAt);
    if (bytesRead === 0) return { lines, caughtUp: true };
    const data = chunk.subarray(0, bytesRead);
    let i = 0;
    while (i < bytesRead && lines.length < limits.maxLines) {
      const nl = data.indexOf(0x0a, i);
      if (nl === -1) {
        keep(data.subarray(i));
        i = bytesRead;
        break;
      }
      keep(data.subarray(i, nl));
      const end = readAt + nl + 1;
      const oversized = lineLength > limits.maxLineBytes;
      let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      if (!oversized && bytes.length > 0 && bytes[bytes.length - 1] === 0x0d)
        bytes = bytes.subarray(0, bytes.length - 1);
      lines.push({ start: lineStart, end, bytes, oversized });
      lineStart = end;
      parts = [];
      kept = 0;
      lineLength = 0;
      i = nl + 1;
    }
    readAt += i;
  }
  return { lines, caughtUp: false };
}
