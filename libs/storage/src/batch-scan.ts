// Walks the batches of a segment file header by header, reading in large chunks rather than one pread per batch.
import {
  BATCH_HEADER_SIZE,
  batchBaseOffset,
  batchCrcMatches,
  batchLastOffsetDelta,
  batchMagic,
  batchTotalSize,
} from './batch-bytes';
import { allocReadBuffer, readFully } from './file-io';

export interface ScannedBatch {
  /** The chunk holding the batch; valid only during the visit call. */
  buf: Buffer;
  /** Where the batch starts in `buf`. */
  offsetInBuf: number;
  /** Where the batch starts in the file. */
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
}

export interface ScanEnd {
  /** File position after the last batch accepted (or of the batch the visitor stopped at). */
  end: number;
  /** Why the scan stopped before `limit`; null when it reached `limit` or the visitor stopped it. */
  problem: string | null;
}

export interface ScanOptions {
  validateCrc: boolean;
  /** Have the whole batch in `buf` during the visit (implied by validateCrc). */
  wholeBatch?: boolean;
  /** Batches must start at or after this offset and increase (recovery checks this). */
  minBaseOffset?: number;
  /** Reuse a caller's buffer for chunks (it grows by reallocation only if a batch is larger). */
  scratch?: Buffer;
}

const DEFAULT_CHUNK = 1 << 20;

/**
 * Visits batches in [start, limit) of `fd`. `visit` returns false to stop (that batch is not consumed).
 * With `validateCrc` the whole batch is checked (recovery); without, only the headers are read.
 */
export function scanBatches(
  fd: number,
  start: number,
  limit: number,
  options: ScanOptions,
  visit: (batch: ScannedBatch) => boolean,
): ScanEnd {
  let buf = options.scratch ?? allocReadBuffer(DEFAULT_CHUNK);
  let bufPos = start;
  let bufLen = 0;
  let expectedMin = options.minBaseOffset ?? -Infinity;
  const ensure = (from: number, n: number): boolean => {
    if (from >= bufPos && from + n <= bufPos + bufLen) return true;
    if (from + n > limit) return false;
    if (n > buf.length) buf = allocReadBuffer(Math.max(n, buf.length * 2));
    bufPos = from;
    bufLen = readFully(fd, buf, Math.min(buf.length, limit - from), from);
    return bufLen >= n;
  };
  const batch: ScannedBatch = { buf, offsetInBuf: 0, position: 0, size: 0, baseOffset: 0, lastOffset: 0 };
  let pos = start;
  while (pos < limit) {
    if (!ensure(pos, BATCH_HEADER_SIZE)) return { end: pos, problem: `torn batch header at position ${pos}` };
    let o = pos - bufPos;
    const size = batchTotalSize(buf, o);
    if (size < BATCH_HEADER_SIZE || pos + size > limit) {
      return {
        end: pos,
        problem: `batchLength ${size - 12} at position ${pos} runs past the segment end ${limit}`,
      };
    }
    const magic = batchMagic(buf, o);
    if (magic !== 2) return { end: pos, problem: `magic ${magic} (expected 2) at position ${pos}` };
    const baseOffset = batchBaseOffset(buf, o);
    const delta = batchLastOffsetDelta(buf, o);
    if (baseOffset < expectedMin || delta < 0) {
      return { end: pos, problem: `offsets ${baseOffset}+${delta} at position ${pos} are not increasing` };
    }
    if (options.validateCrc || options.wholeBatch === true) {
      if (!ensure(pos, size)) return { end: pos, problem: `torn batch at position ${pos}` };
      o = pos - bufPos;
    }
    if (options.validateCrc) {
      if (!batchCrcMatches(buf, o, size))
        return { end: pos, problem: `CRC32C mismatch in batch at position ${pos}` };
    }
    batch.buf = buf;
    batch.offsetInBuf = o;
    batch.position = pos;
    batch.size = size;
    batch.baseOffset = baseOffset;
    batch.lastOffset = baseOffset + delta;
    if (!visit(batch)) return { end: pos, problem: null };
    expectedMin = batch.lastOffset + 1;
    pos += size;
  }
  return { end: pos, problem: null };
}
