// Minimal RecordBatch v2 header access for the log. The full codec lives in @tributary/protocol/records; the log
// only needs these fixed-position fields, read without allocating (no BigInt on the hot path).
import { crc32c } from '@node-rs/crc32';

export const BATCH_HEADER_SIZE = 61;
/** Bytes before the part counted by batchLength (baseOffset i64 + batchLength i32). */
export const LOG_OVERHEAD = 12;
export const CRC_OFFSET = 17;
export const CRC_START = 21;
const TWO_32 = 0x1_0000_0000;

export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * TWO_32, pos + 4);
}

export const batchBaseOffset = (buf: Buffer, pos = 0): number => readInt64(buf, pos);
/** Total size of the batch at `pos` (batchLength + 12). */
export const batchTotalSize = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + 8) + LOG_OVERHEAD;
export const batchMagic = (buf: Buffer, pos = 0): number => buf.readInt8(pos + 16);
export const batchAttributes = (buf: Buffer, pos = 0): number => buf.readInt16BE(pos + 21);
export const batchLastOffsetDelta = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + 23);
export const batchBaseTimestamp = (buf: Buffer, pos = 0): number => readInt64(buf, pos + 27);
export const batchMaxTimestamp = (buf: Buffer, pos = 0): number => readInt64(buf, pos + 35);
export const batchRecordCount = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + 57);
export const batchCompression = (buf: Buffer, pos = 0): number => batchAttributes(buf, pos) & 0x07;
export const batchIsControl = (buf: Buffer, pos = 0): boolean => (batchAttributes(buf, pos) & 0x20) !== 0;

/** Patches the fields the broker owns; both lie outside the CRC, so no checksum update is needed. */
export function patchBatchOffsetAndEpoch(buf: Buffer, baseOffset: number, leaderEpoch: number): void {
  writeInt64(buf, 0, baseOffset);
  buf.writeInt32BE(leaderEpoch, 12);
}

export function computeBatchCrc(buf: Buffer, pos: number, totalSize: number): number {
  return crc32c(buf.subarray(pos + CRC_START, pos + totalSize)) >>> 0;
}

export function batchCrcMatches(buf: Buffer, pos: number, totalSize: number): boolean {
  return computeBatchCrc(buf, pos, totalSize) === buf.readUInt32BE(pos + CRC_OFFSET);
}
