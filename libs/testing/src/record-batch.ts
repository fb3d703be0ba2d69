import { crc32, crc32c } from '@node-rs/crc32';
import { gzipSync } from 'node:zlib';

/**
 * A small, independent RecordBatch v2 / legacy MessageSet encoder for black-box tests. It is written separately
 * from the broker's records module on purpose: tests that hand-craft good and bad batches must not share bugs
 * with the code under test.
 */
export interface TestRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, string>;
  timestampDelta?: number;
}

export interface TestBatchOptions {
  records: TestRecord[];
  baseOffset?: number;
  firstTimestamp?: number;
  /** 0 none, 1 gzip (the only codec this encoder compresses with). */
  compression?: 0 | 1;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Overrides the record count field (to lie about it). */
  recordCountOverride?: number;
  /** Uses these bytes as the (already compressed) records section instead of encoding `records`. */
  rawRecordsSection?: Buffer;
}

const asBuf = (b: Buffer | string | null): Buffer | null =>
  b === null ? null : Buffer.isBuffer(b) ? b : Buffer.from(b, 'utf8');

/** Unsigned LEB128 of a non-negative integer below 2^53. */
function uvarint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** Zigzag varint/varlong as in the Kafka record format. */
export function zigzag(n: number): Buffer {
  return uvarint(n >= 0 ? n * 2 : -n * 2 - 1);
}

function varBytes(b: Buffer | null): Buffer {
  return b === null ? zigzag(-1) : Buffer.concat([zigzag(b.length), b]);
}

function encodeRecord(r: TestRecord, offsetDelta: number): Buffer {
  const headers = Object.entries(r.headers ?? {});
  const body = Buffer.concat([
    Buffer.from([0]), // attributes
    zigzag(r.timestampDelta ?? 0),
    zigzag(offsetDelta),
    varBytes(asBuf(r.key)),
    varBytes(asBuf(r.value)),
    zigzag(headers.length),
    ...headers.map(([k, v]) =>
      Buffer.concat([varBytes(Buffer.from(k, 'utf8')), varBytes(Buffer.from(v, 'utf8'))]),
    ),
  ]);
  return Buffer.concat([zigzag(body.length), body]);
}

export function encodeRecordBatch(opts: TestBatchOptions): Buffer {
  const records = opts.records;
  const firstTimestamp = opts.firstTimestamp ?? Date.now();
  const plain = Buffer.concat(records.map((r, i) => encodeRecord(r, i)));
  const compression = opts.compression ?? 0;
  const section = opts.rawRecordsSection ?? (compression === 1 ? gzipSync(plain) : plain);
  const maxDelta = records.reduce((mx, r) => Math.max(mx, r.timestampDelta ?? 0), 0);

  // Everything after the CRC: attributes .. records.
  const tail = Buffer.alloc(2 + 4 + 8 + 8 + 8 + 2 + 4 + 4);
  let p = 0;
  p = tail.writeInt16BE(compression, p);
  p = tail.writeInt32BE(Math.max(0, records.length - 1), p);
  p = writeInt64(tail, firstTimestamp, p);
  p = writeInt64(tail, firstTimestamp + maxDelta, p);
  p = writeInt64(tail, opts.producerId ?? -1, p);
  p = tail.writeInt16BE(opts.producerEpoch ?? -1, p);
  p = tail.writeInt32BE(opts.baseSequence ?? -1, p);
  tail.writeInt32BE(opts.recordCountOverride ?? records.length, p);
  const crcCovered = Buffer.concat([tail, section]);

  const head = Buffer.alloc(8 + 4 + 4 + 1 + 4);
  let h = writeInt64(head, opts.baseOffset ?? 0, 0);
  h = head.writeInt32BE(4 + 1 + 4 + crcCovered.length, h); // batchLength: bytes after this field
  h = head.writeInt32BE(-1, h); // partitionLeaderEpoch
  h = head.writeInt8(2, h); // magic
  head.writeUInt32BE(crc32c(crcCovered) >>> 0, h);
  return Buffer.concat([head, crcCovered]);
}

/** Returns a copy of a v2 batch with one byte inside the CRC-covered region flipped (CRC now wrong). */
export function corruptBatchCrc(batch: Buffer): Buffer {
  const copy = Buffer.from(batch);
  const at = copy.length - 1;
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

/** A legacy magic-1 MessageSet holding one message (what pre-0.11 clients send). */
export function encodeMagicV1MessageSet(
  key: string | null,
  value: string | null,
  timestamp = Date.now(),
): Buffer {
  const k = asBuf(key);
  const v = asBuf(value);
  const afterCrc = Buffer.concat([
    Buffer.from([1, 0]), // magic 1, attributes 0
    int64(timestamp),
    k === null ? int32(-1) : Buffer.concat([int32(k.length), k]),
    v === null ? int32(-1) : Buffer.concat([int32(v.length), v]),
  ]);
  const message = Buffer.concat([uint32(crc32(afterCrc) >>> 0), afterCrc]);
  return Buffer.concat([int64(0), int32(message.length), message]);
}

function writeInt64(buf: Buffer, v: number, at: number): number {
  const hi = Math.floor(v / 4294967296);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * 4294967296, at + 4);
  return at + 8;
}
const int64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  writeInt64(b, v, 0);
  return b;
};
const int32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v, 0);
  return b;
};
const uint32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v, 0);
  return b;
};
