import { RecordDecodeError, tooLarge } from './record-decode-error';

/**
 * LZ4 frame inspection for bounded decompression. Kafka uses the LZ4 frame format (Java KafkaLZ4Block*Stream,
 * librdkafka LZ4F, kafka-python lz4.frame). The native decoder has no output limit, so:
 *  - lz4FrameBound walks frame and block headers for an upper bound on the output; when it fits, the native
 *    decoder is safe;
 *  - otherwise lz4DecompressFrameBounded decodes in TypeScript and stops the moment the output passes the limit.
 * The bound can be loose (a compressed block counts as min(block maximum, 255 x its size)), which is why the exact
 * fallback exists instead of a rejection.
 */

const TWO_32 = 4294967296;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const LZ4_MAGIC = 0x184d2204;
/** An LZ4 sequence turns each compressed byte into at most 255 output bytes. */
const LZ4_MAX_RATIO = 255;
const MIN_MATCH = 4;

function truncated(pos: number, what: string): RecordDecodeError {
  return new RecordDecodeError(`lz4 data is truncated: ${what} at offset ${pos} is cut off`);
}

function need(data: Buffer, pos: number, n: number, what: string): void {
  if (pos + n > data.length) throw truncated(pos, what);
}

interface FrameInfo {
  blockChecksum: boolean;
  contentChecksum: boolean;
  blockMax: number;
  contentSize: number | null;
  /** Offset of the first block. */
  blocksAt: number;
}

type FrameStart = { skipTo: number } | FrameInfo;

function frameAt(data: Buffer, pos: number): FrameStart {
  need(data, pos, 4, 'frame magic');
  const magic = data.readUInt32LE(pos);
  if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
    need(data, pos, 8, 'skippable frame');
    const skipTo = pos + 8 + data.readUInt32LE(pos + 4);
    need(data, pos, skipTo - pos, 'skippable frame');
    return { skipTo };
  }
  if (magic !== LZ4_MAGIC) {
    throw new RecordDecodeError(
      `lz4 data at offset ${pos} is not an LZ4 frame (magic ${magic.toString(16)}); Kafka requires the LZ4 frame format`,
    );
  }
  need(data, pos, 7, 'frame descriptor');
  const flg = data[pos + 4]!;
  const bd = data[pos + 5]!;
  if (flg >> 6 !== 1)
    throw new RecordDecodeError(`lz4 frame version ${flg >> 6} is not supported (expected 1)`);
  const blockMaxId = (bd >> 4) & 7;
  if (blockMaxId < 4) throw new RecordDecodeError(`lz4 frame has invalid block size id ${blockMaxId}`);
  let p = pos + 6;
  let contentSize: number | null = null;
  if (flg & 0x08) {
    need(data, p, 8, 'content size');
    contentSize = data.readUInt32LE(p) + data.readUInt32LE(p + 4) * TWO_32;
    p += 8;
  }
  if (flg & 0x01) {
    throw new RecordDecodeError(
      'lz4 frame needs a preset dictionary, which Kafka never uses; the data is not from a Kafka client',
    );
  }
  p += 1; // header checksum
  return {
    blockChecksum: (flg & 0x10) !== 0,
    contentChecksum: (flg & 0x04) !== 0,
    blockMax: 1 << (8 + 2 * blockMaxId),
    contentSize,
    blocksAt: p,
  };
}

interface Block {
  stored: boolean;
  start: number;
  end: number;
  /** Offset after the block (and its checksum). */
  next: number;
}

/** The block at `p`, or null at the end mark. */
function blockAt(data: Buffer, p: number, f: FrameInfo): Block | null {
  need(data, p, 4, 'block size');
  const word = data.readUInt32LE(p);
  if (word === 0) return null;
  const size = word & 0x7fffffff;
  if (size > f.blockMax) {
    throw new RecordDecodeError(
      `lz4 block at offset ${p} is ${size} bytes, over the frame's ${f.blockMax}-byte maximum`,
    );
  }
  const next = p + 4 + size + (f.blockChecksum ? 4 : 0);
  need(data, p, next - p, 'block');
  return { stored: (word & 0x80000000) !== 0, start: p + 4, end: p + 4 + size, next };
}

function frameEnd(data: Buffer, p: number, f: FrameInfo): number {
  const end = p + 4 + (f.contentChecksum ? 4 : 0);
  need(data, p, end - p, 'frame end');
  return end;
}

/** Upper bound on the decompressed size; throws if a declared content size is already over maxBytes. */
export function lz4FrameBound(data: Buffer, maxBytes: number): number {
  if (data.length === 0) throw new RecordDecodeError('lz4 data is empty; expected an LZ4 frame');
  let pos = 0;
  let total = 0;
  while (pos < data.length) {
    const f = frameAt(data, pos);
    if ('skipTo' in f) {
      pos = f.skipTo;
      continue;
    }
    if (f.contentSize !== null && total + f.contentSize > maxBytes)
      throw tooLarge('lz4', total + f.contentSize, maxBytes);
    let p = f.blocksAt;
    for (let b = blockAt(data, p, f); b !== null; b = blockAt(data, p, f)) {
      const size = b.end - b.start;
      total += b.stored ? size : Math.min(f.blockMax, size * LZ4_MAX_RATIO);
      p = b.next;
    }
    pos = frameEnd(data, p, f);
  }
  return total;
}

/** Growable output that refuses to pass `limit`. */
class BoundedOutput {
  buf: Buffer;
  len = 0;
  constructor(
    initial: number,
    private readonly limit: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1, Math.min(initial, limit)));
  }
  reserve(n: number): void {
    const want = this.len + n;
    if (want > this.limit) throw tooLarge('lz4', `more than ${this.limit}`, this.limit);
    if (want <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.min(this.limit, Math.max(want, this.buf.length * 2)));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}

function corruptBlock(at: number, why: string): RecordDecodeError {
  return new RecordDecodeError(`lz4 block data is corrupt at offset ${at}: ${why}`);
}

/** Decodes one LZ4 block (sequences of literals + back-reference) into `out`. */
function decodeBlock(src: Buffer, ip: number, iend: number, out: BoundedOutput): void {
  while (ip < iend) {
    const token = src[ip++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= iend) throw corruptBlock(ip, 'literal length runs past the block');
        b = src[ip++]!;
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > iend) throw corruptBlock(ip, `${lit} literals run past the block`);
    out.reserve(lit);
    src.copy(out.buf, out.len, ip, ip + lit);
    ip += lit;
    out.len += lit;
    if (ip === iend) return; // the last sequence is literals only
    if (ip + 2 > iend) throw corruptBlock(ip, 'match offset runs past the block');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > out.len)
      throw corruptBlock(ip - 2, `match offset ${offset} points before the output`);
    let mlen = token & 15;
    if (mlen === 15) {
      let b: number;
      do {
        if (ip >= iend) throw corruptBlock(ip, 'match length runs past the block');
        b = src[ip++]!;
        mlen += b;
      } while (b === 255);
    }
    mlen += MIN_MATCH;
    out.reserve(mlen);
    const buf = out.buf;
    let m = out.len - offset;
    if (offset >= mlen) {
      buf.copy(buf, out.len, m, m + mlen);
      out.len += mlen;
    } else {
      // Overlapping match (a repeated pattern): copy byte by byte so it reads what it just wrote.
      let op = out.len;
      const end = op + mlen;
      while (op < end) buf[op++] = buf[m++]!;
      out.len = end;
    }
  }
}

/**
 * Decodes LZ4 frames in TypeScript, never holding more than maxBytes of output. Checksums are not verified: the
 * batch CRC32C already covers these bytes.
 */
export function lz4DecompressFrameBounded(data: Buffer, maxBytes: number): Buffer {
  if (data.length === 0) throw new RecordDecodeError('lz4 data is empty; expected an LZ4 frame');
  const out = new BoundedOutput(Math.max(64 * 1024, data.length * 4), maxBytes);
  let pos = 0;
  while (pos < data.length) {
    const f = frameAt(data, pos);
    if ('skipTo' in f) {
      pos = f.skipTo;
      continue;
    }
    let p = f.blocksAt;
    for (let b = blockAt(data, p, f); b !== null; b = blockAt(data, p, f)) {
      if (b.stored) {
        out.reserve(b.end - b.start);
        data.copy(out.buf, out.len, b.start, b.end);
        out.len += b.end - b.start;
      } else {
        decodeBlock(data, b.start, b.end, out);
      }
      p = b.next;
    }
    pos = frameEnd(data, p, f);
  }
  return out.buf.subarray(0, out.len);
}
