import { ProtocolDecodeError } from '../primitives/decode-error';
import { crc32c } from './crc32c';

/** Byte offsets of RecordBatch v2 fields, from the start of the batch. */
export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
export const RECORDS = 61;
export const BATCH_HEADER_SIZE = RECORDS;
/** baseOffset + batchLength: the bytes batchLength does not count. Total size = batchLength + LOG_OVERHEAD. */
export const LOG_OVERHEAD = 12;
/** The CRC covers attributes..end, so baseOffset, batchLength, partitionLeaderEpoch and magic can be patched. */
export const CRC_START = ATTRIBUTES;
export const CURRENT_MAGIC = 2;

export enum Compression {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export enum TimestampType {
  CreateTime = 0,
  LogAppendTime = 1,
}

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** Unsigned 32-bit. */
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

const TWO_32 = 4294967296;

function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

function writeInt64(buf: Buffer, at: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * TWO_32, at + 4);
}

/** Reads the 61-byte header at `at`. Checks only that the header bytes are present, not the batch body. */
export function readBatchHeader(buf: Buffer, at = 0): BatchHeader {
  if (at < 0 || at + BATCH_HEADER_SIZE > buf.length) {
    throw new ProtocolDecodeError(
      `record batch header at offset ${at} needs ${BATCH_HEADER_SIZE} bytes, only ${Math.max(0, buf.length - at)} remain`,
    );
  }
  return {
    baseOffset: readInt64(buf, at + BASE_OFFSET),
    batchLength: buf.readInt32BE(at + BATCH_LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(at + PARTITION_LEADER_EPOCH),
    magic: buf.readInt8(at + MAGIC),
    crc: buf.readUInt32BE(at + CRC),
    attributes: buf.readInt16BE(at + ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(at + LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(buf, at + BASE_TIMESTAMP),
    maxTimestamp: readInt64(buf, at + MAX_TIMESTAMP),
    producerId: readInt64(buf, at + PRODUCER_ID),
    producerEpoch: buf.readInt16BE(at + PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(at + BASE_SEQUENCE),
    recordCount: buf.readInt32BE(at + RECORD_COUNT),
  };
}

/** Total bytes of the batch (batchLength plus the 12 bytes before it). */
export function batchSizeOf(header: BatchHeader): number {
  return header.batchLength + LOG_OVERHEAD;
}

/** Offset of the last record (or of the last record before compaction removed some). */
export function lastOffsetOf(header: BatchHeader): number {
  return header.baseOffset + header.lastOffsetDelta;
}

/** Assigns the batch's offsets in place on append. Outside the CRC, so no recompute. */
export function setBaseOffset(buf: Buffer, at: number, offset: number): void {
  writeInt64(buf, at + BASE_OFFSET, offset);
}

/** Stamps the leader epoch in place on append. Outside the CRC, so no recompute. */
export function setPartitionLeaderEpoch(buf: Buffer, at: number, epoch: number): void {
  buf.writeInt32BE(epoch, at + PARTITION_LEADER_EPOCH);
}

/** CRC-32C of attributes..end of the batch at [at, end). */
export function computeBatchCrc(buf: Buffer, at: number, end: number): number {
  return crc32c(buf.subarray(at + CRC_START, end));
}

export function verifyBatchCrc(buf: Buffer, at: number, end: number): boolean {
  return buf.readUInt32BE(at + CRC) === computeBatchCrc(buf, at, end);
}

export function writeBatchCrc(buf: Buffer, at: number, end: number): void {
  buf.writeUInt32BE(computeBatchCrc(buf, at, end), at + CRC);
}

/**
 * For topics with message.timestamp.type=LogAppendTime: marks the batch LogAppendTime, sets maxTimestamp to the
 * append time and recomputes the CRC (these fields are inside it). Clients then read every record's timestamp
 * as maxTimestamp.
 */
export function applyLogAppendTime(buf: Buffer, at: number, end: number, timestamp: number): void {
  buf.writeInt16BE(buf.readInt16BE(at + ATTRIBUTES) | ATTR_TIMESTAMP_TYPE, at + ATTRIBUTES);
  writeInt64(buf, at + MAX_TIMESTAMP, timestamp);
  writeBatchCrc(buf, at, end);
}

/** Codec bits of the attributes; values 5-7 are not valid codecs and are returned as-is for the caller to reject. */
export function compressionOf(attributes: number): Compression {
  return (attributes & ATTR_COMPRESSION_MASK) as Compression;
}

export function timestampType(attributes: number): TimestampType {
  return attributes & ATTR_TIMESTAMP_TYPE ? TimestampType.LogAppendTime : TimestampType.CreateTime;
}

export function isTransactional(attributes: number): boolean {
  return (attributes & ATTR_TRANSACTIONAL) !== 0;
}

export function isControl(attributes: number): boolean {
  return (attributes & ATTR_CONTROL) !== 0;
}

export function hasDeleteHorizon(attributes: number): boolean {
  return (attributes & ATTR_DELETE_HORIZON) !== 0;
}
