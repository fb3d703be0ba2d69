import { RecordDecodeError, tooLarge } from './record-decode-error';

/**
 * Upper bound on what zstd frames can decompress to, found by walking frame and block headers without
 * decompressing. The native decoder has no output limit, so we only hand it data whose bound fits.
 * Raw/RLE blocks count exactly; a compressed block counts as the 128 KiB block maximum (or the window, if smaller),
 * so the bound exceeds the truth by less than one block: encoders fill every block but the last. A batch within
 * 128 KiB of the limit may therefore be refused; the limit is meant to be generous.
 */

const TWO_32 = 4294967296;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_BLOCK_MAX = 128 * 1024;
/** How far the bound can overshoot: decompress() may refuse zstd data this close below the limit. */
export const ZSTD_BOUND_SLACK = ZSTD_BLOCK_MAX;

function need(data: Buffer, pos: number, n: number, codec: string, what: string): void {
  if (pos + n > data.length) {
    throw new RecordDecodeError(`${codec} data is truncated: ${what} at offset ${pos} needs ${n} bytes`);
  }
}

function readUInt64LE(data: Buffer, at: number): number {
  return data.readUInt32LE(at) + data.readUInt32LE(at + 4) * TWO_32;
}

export function zstdFrameBound(data: Buffer, maxBytes: number): number {
  const codec = 'zstd';
  let pos = 0;
  let total = 0;
  if (data.length === 0) throw new RecordDecodeError('zstd data is empty; expected a zstd frame');
  while (pos < data.length) {
    need(data, pos, 4, codec, 'frame magic');
    const magic = data.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(data, pos, 8, codec, 'skippable frame');
      pos += 8 + data.readUInt32LE(pos + 4);
      continue;
    }
    if (magic !== ZSTD_MAGIC) {
      throw new RecordDecodeError(
        `zstd data at offset ${pos} is not a zstd frame (magic ${magic.toString(16)})`,
      );
    }
    need(data, pos, 5, codec, 'frame header');
    const fhd = data[pos + 4]!;
    const fcsFlag = fhd >> 6;
    const singleSegment = (fhd & 0x20) !== 0;
    const checksum = (fhd & 0x04) !== 0;
    const dictFlag = fhd & 3;
    if (fhd & 0x08) throw new RecordDecodeError('zstd frame header sets a reserved bit; the data is corrupt');
    let p = pos + 5;
    let windowSize = Infinity;
    if (!singleSegment) {
      need(data, p, 1, codec, 'window descriptor');
      const wd = data[p++]!;
      const windowBase = 2 ** (10 + (wd >> 3));
      windowSize = windowBase + (windowBase / 8) * (wd & 7);
    }
    p += [0, 1, 2, 4][dictFlag]!;
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [1, 2, 4, 8][fcsFlag]!;
    if (fcsBytes > 0) {
      need(data, p, fcsBytes, codec, 'frame content size');
      const fcs =
        fcsBytes === 1
          ? data[p]!
          : fcsBytes === 2
            ? data.readUInt16LE(p) + 256
            : fcsBytes === 4
              ? data.readUInt32LE(p)
              : readUInt64LE(data, p);
      if (total + fcs > maxBytes) throw tooLarge(codec, total + fcs, maxBytes);
      if (singleSegment) windowSize = fcs;
      p += fcsBytes;
    }
    const blockMax = Math.min(windowSize, ZSTD_BLOCK_MAX);
    for (;;) {
      need(data, p, 3, codec, 'block header');
      const h = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16);
      p += 3;
      const last = (h & 1) !== 0;
      const type = (h >> 1) & 3;
      const size = h >>> 3;
      if (type === 0) {
        need(data, p, size, codec, 'raw block');
        p += size;
        total += size;
      } else if (type === 1) {
        need(data, p, 1, codec, 'RLE block');
        p += 1;
        total += size;
      } else if (type === 2) {
        need(data, p, size, codec, 'compressed block');
        p += size;
        total += blockMax;
      } else {
        throw new RecordDecodeError(
          `zstd block at offset ${p - 3} has the reserved block type; the data is corrupt`,
        );
      }
      if (total > maxBytes) throw tooLarge(codec, `up to ${total}`, maxBytes);
      if (last) break;
    }
    if (checksum) p += 4;
    need(data, p, 0, codec, 'frame end');
    pos = p;
  }
  return total;
}
