import { compress as snappyCompress, compressSync, uncompress, uncompressSync } from 'snappy';
import { ProtocolDecodeError } from '../primitives/decode-error';
import { RecordDecodeError, tooLarge } from './record-decode-error';
import { cursorOf, readUnsignedVarint } from './varint';

/**
 * Snappy as Kafka clients use it. Java (xerial SnappyOutputStream) and kafkajs-snappy write the xerial framing:
 * magic `82 'SNAPPY' 00`, int32 version, int32 min-compatible version, then blocks of [int32 BE length][raw snappy
 * block]. librdkafka writes one raw snappy block. Every reader accepts both, so we do too, and we write xerial
 * like Java so the strictest readers are happy.
 */
export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** xerial SnappyOutputStream's default block size. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.compare(XERIAL_MAGIC, 0, 8, 0, 8) === 0;
}

/** The uncompressed length a raw snappy block declares in its varint preamble. */
export function snappyBlockLength(block: Buffer): number {
  try {
    return readUnsignedVarint(cursorOf(block));
  } catch (e) {
    if (e instanceof ProtocolDecodeError) {
      throw new RecordDecodeError(`snappy block has no valid length preamble: ${e.message}`);
    }
    throw e;
  }
}

function xerialBlocks(data: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (pos + 4 > data.length) {
      throw new RecordDecodeError(
        `xerial snappy stream is truncated: a block length at offset ${pos} is cut off`,
      );
    }
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > data.length) {
      throw new RecordDecodeError(
        `xerial snappy block at offset ${pos - 4} claims ${len} bytes but ${data.length - pos} remain`,
      );
    }
    blocks.push(data.subarray(pos, pos + len));
    pos += len;
  }
  return blocks;
}

function blocksOf(data: Buffer): Buffer[] {
  return isXerialFramed(data) ? xerialBlocks(data) : [data];
}

/** Sums the declared sizes before anything is decompressed. */
function checkedTotal(blocks: Buffer[], maxBytes: number): number {
  let total = 0;
  for (const b of blocks) total += snappyBlockLength(b);
  if (total > maxBytes) throw tooLarge('snappy', total, maxBytes);
  return total;
}

function corrupt(e: unknown): RecordDecodeError {
  return new RecordDecodeError(`snappy data is corrupt: ${e instanceof Error ? e.message : String(e)}`);
}

export async function snappyDecompress(data: Buffer, maxBytes: number): Promise<Buffer> {
  const blocks = blocksOf(data);
  checkedTotal(blocks, maxBytes);
  try {
    const parts = await Promise.all(blocks.map((b) => uncompress(b, { asBuffer: true }) as Promise<Buffer>));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  } catch (e) {
    throw corrupt(e);
  }
}

export function snappyDecompressSync(data: Buffer, maxBytes: number): Buffer {
  const blocks = blocksOf(data);
  checkedTotal(blocks, maxBytes);
  try {
    const parts = blocks.map((b) => uncompressSync(b, { asBuffer: true }) as Buffer);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  } catch (e) {
    throw corrupt(e);
  }
}

function xerialHeader(): Buffer {
  const h = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(h, 0);
  h.writeInt32BE(1, 8); // version
  h.writeInt32BE(1, 12); // minimum compatible version
  return h;
}

function frame(blocks: Buffer[]): Buffer {
  const parts: Buffer[] = [xerialHeader()];
  for (const b of blocks) {
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(b.length, 0);
    parts.push(len, b);
  }
  return Buffer.concat(parts);
}

function chunks(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK_SIZE)
    out.push(data.subarray(at, at + XERIAL_BLOCK_SIZE));
  return out;
}

export async function snappyCompressXerial(data: Buffer): Promise<Buffer> {
  return frame(await Promise.all(chunks(data).map((c) => snappyCompress(c))));
}

export function snappyCompressXerialSync(data: Buffer): Buffer {
  return frame(chunks(data).map((c) => compressSync(c)));
}

/** One raw snappy block, as librdkafka writes it; for tests and tools. */
export function snappyCompressRawSync(data: Buffer): Buffer {
  return compressSync(data);
}
