import { ErrorCode } from '../errors';
import { ProtocolDecodeError } from '../primitives/decode-error';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  BatchHeader,
  Compression,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  RECORDS,
  compressionOf,
  readBatchHeader,
  verifyBatchCrc,
  writeBatchCrc,
} from './batch-header';
import { compress, compressSync, decompress, decompressSync } from './codecs';
import { RecordDecodeError } from './record-decode-error';
import {
  ByteCursor,
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from './varint';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * One record of a v2 batch, with offsets and timestamps still relative to the batch header. `key`, `value` and
 * header values are views into the batch (or into its decompressed records): copy them to keep them longer.
 */
export interface KafkaRecord {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}
/** Same as KafkaRecord. Importing this name shadows TypeScript's Record<K, V> in the importing file. */
export type Record = KafkaRecord;

export interface DecodeRecordsOptions {
  /** Upper bound on the decompressed records section (compression-bomb guard). */
  maxUncompressedBytes: number;
  /** Check the CRC too; off by default because Produce validation already did. */
  verifyCrc?: boolean;
}

export interface DecodedBatch {
  header: BatchHeader;
  records: KafkaRecord[];
}

/** attributes, timestampDelta, offsetDelta, key length, value length, header count: one byte each at least. */
const MIN_RECORD_BODY = 6;
const MIN_RECORD_SIZE = MIN_RECORD_BODY + 1;

interface Prepared {
  header: BatchHeader;
  codec: Compression;
  /** The records section exactly as stored (compressed or not). */
  section: Buffer;
}

function prepare(batch: Buffer, opts: DecodeRecordsOptions): Prepared {
  if (batch.length < BATCH_HEADER_SIZE) {
    throw new RecordDecodeError(
      `record batch is ${batch.length} bytes, shorter than the ${BATCH_HEADER_SIZE}-byte header`,
    );
  }
  const header = readBatchHeader(batch, 0);
  if (header.magic !== CURRENT_MAGIC) {
    throw new RecordDecodeError(
      `record batch has magic ${header.magic}; only RecordBatch v2 (magic 2) is supported`,
    );
  }
  const end = header.batchLength + LOG_OVERHEAD;
  if (header.batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || end > batch.length) {
    throw new RecordDecodeError(
      `record batch declares batchLength ${header.batchLength} but ${batch.length - LOG_OVERHEAD} bytes follow the length field`,
    );
  }
  if (opts.verifyCrc && !verifyBatchCrc(batch, 0, end)) {
    throw new RecordDecodeError('record batch CRC32C does not match its contents; the batch is corrupt');
  }
  const codec = compressionOf(header.attributes);
  if (codec > Compression.Zstd) {
    throw new RecordDecodeError(
      `record batch uses unknown compression codec ${codec}`,
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
    );
  }
  return { header, codec, section: batch.subarray(RECORDS, end) };
}

/** Decodes every record of one v2 batch, decompressing if needed (bounded by maxUncompressedBytes). */
export async function decodeRecords(batch: Buffer, opts: DecodeRecordsOptions): Promise<DecodedBatch> {
  const p = prepare(batch, opts);
  const body = await decompress(p.codec, p.section, opts.maxUncompressedBytes);
  return { header: p.header, records: parseRecords(body, p.header) };
}

/** decodeRecords without awaiting; every codec but zstd. */
export function decodeRecordsSync(batch: Buffer, opts: DecodeRecordsOptions): DecodedBatch {
  const p = prepare(batch, opts);
  const body = decompressSync(p.codec, p.section, opts.maxUncompressedBytes);
  return { header: p.header, records: parseRecords(body, p.header) };
}

function invalid(message: string): RecordDecodeError {
  return new RecordDecodeError(message, ErrorCode.INVALID_RECORD);
}

/**
 * Parses `header.recordCount` records filling `body` exactly. Offset deltas must rise strictly (compaction may leave
 * gaps) and stay within lastOffsetDelta.
 */
export function parseRecords(body: Buffer, header: BatchHeader): KafkaRecord[] {
  const count = header.recordCount;
  if (count < 0) throw invalid(`record batch declares a negative record count ${count}`);
  if (count * MIN_RECORD_SIZE > body.length) {
    throw invalid(
      `record batch declares ${count} records but its ${body.length} record bytes cannot hold that many`,
    );
  }
  const records = new Array<KafkaRecord>(count);
  const c: ByteCursor = { buf: body, pos: 0, end: body.length };
  let prevDelta = -1;
  let i = 0;
  try {
    for (; i < count; i++) {
      const r = parseRecord(body, c, i);
      if (r.offsetDelta <= prevDelta) {
        throw invalid(`record ${i} has offsetDelta ${r.offsetDelta}, not above the previous ${prevDelta}`);
      }
      prevDelta = r.offsetDelta;
      records[i] = r;
    }
  } catch (e) {
    if (e instanceof ProtocolDecodeError)
      throw new RecordDecodeError(`record ${i} is malformed: ${e.message}`);
    throw e;
  }
  if (c.pos !== body.length) {
    throw invalid(`record batch has ${body.length - c.pos} bytes left after its declared ${count} records`);
  }
  if (prevDelta > header.lastOffsetDelta) {
    throw invalid(
      `record offsetDelta ${prevDelta} is beyond the batch's lastOffsetDelta ${header.lastOffsetDelta}`,
    );
  }
  return records;
}

function readVarBytes(buf: Buffer, c: ByteCursor, what: string, i: number): Buffer | null {
  const len = readVarint(c);
  if (len < 0) {
    if (len !== -1) throw invalid(`record ${i} has ${what} length ${len}`);
    return null;
  }
  if (len > c.end - c.pos) {
    throw new RecordDecodeError(
      `record ${i} ${what} claims ${len} bytes but only ${c.end - c.pos} remain in the record`,
    );
  }
  const at = c.pos;
  c.pos += len;
  return buf.subarray(at, at + len);
}

function parseRecord(buf: Buffer, outer: ByteCursor, i: number): KafkaRecord {
  const length = readVarint(outer);
  const start = outer.pos;
  if (length < MIN_RECORD_BODY || length > outer.end - start) {
    throw new RecordDecodeError(
      `record ${i} declares length ${length} but ${outer.end - start} bytes remain`,
    );
  }
  const end = start + length;
  // Fields are read through a cursor ending at this record, so no field can run into the next one.
  const c: ByteCursor = { buf, pos: start, end };
  const attributes = buf.readInt8(c.pos++);
  const timestampDelta = readVarlong(c);
  const offsetDelta = readVarint(c);
  const key = readVarBytes(buf, c, 'key', i);
  const value = readVarBytes(buf, c, 'value', i);
  const headerCount = readVarint(c);
  // A header takes two bytes at least, so a count the remaining bytes cannot hold is a lie.
  if (headerCount < 0 || headerCount * 2 > end - c.pos) {
    throw invalid(`record ${i} declares ${headerCount} headers in ${end - c.pos} remaining bytes`);
  }
  const headers = new Array<RecordHeader>(headerCount);
  for (let h = 0; h < headerCount; h++) {
    const keyBytes = readVarBytes(buf, c, `header ${h} key`, i);
    if (keyBytes === null) throw invalid(`record ${i} header ${h} has a null key`);
    headers[h] = { key: keyBytes.toString('utf8'), value: readVarBytes(buf, c, `header ${h} value`, i) };
  }
  if (c.pos !== end) {
    throw invalid(`record ${i} declares ${length} bytes but its fields use ${c.pos - start}`);
  }
  outer.pos = end;
  return { attributes, timestampDelta, offsetDelta, key, value, headers };
}

/** A record to encode. Strings are written as UTF-8 straight into the batch (no Buffer per record). */
export interface RecordInput {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeaderInput[];
  /** Defaults to the batch's baseTimestamp. */
  timestamp?: number;
}

export interface RecordHeaderInput {
  key: string;
  value: Buffer | string | null;
}

export interface RecordBatchInput {
  baseOffset?: number;
  /** -1 (unknown) by default, as producers send it. */
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  compression?: Compression;
  transactional?: boolean;
  /** Transaction markers written by the coordinator. */
  control?: boolean;
  /** Defaults to the first record's timestamp, else now. */
  baseTimestamp?: number;
  records: readonly RecordInput[];
}

/** Encoded length of a key, value or header value; -1 for null. */
function byteLengthOf(b: Buffer | string | null): number {
  if (b === null) return -1;
  return typeof b === 'string' ? Buffer.byteLength(b, 'utf8') : b.length;
}

function varBytesSize(len: number): number {
  return len < 0 ? 1 : sizeOfVarint(len) + len;
}

/** Writes a varint length and the bytes; `len` is byteLengthOf(b). */
function writeVarBytes(out: Buffer, at: number, b: Buffer | string | null, len: number): number {
  at = writeVarint(out, at, len);
  if (b === null) return at;
  return at + (typeof b === 'string' ? out.write(b, at, len, 'utf8') : b.copy(out, at));
}

interface Plan {
  /** Header space (61 bytes) followed by the uncompressed records section. */
  buf: Buffer;
  attributes: number;
  baseTimestamp: number;
  maxTimestamp: number;
}

function plan(input: RecordBatchInput): Plan {
  const records = input.records;
  if (records.length === 0) throw new Error('encodeRecordBatch needs at least one record');
  const baseTimestamp = input.baseTimestamp ?? records[0]!.timestamp ?? Date.now();
  // Per-record sizes are kept in typed arrays so strings are measured once and no object is made per record.
  const bodySizes = new Int32Array(records.length);
  const keyLens = new Int32Array(records.length);
  const valueLens = new Int32Array(records.length);
  let total = BATCH_HEADER_SIZE;
  let maxTimestamp = -Infinity;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const ts = r.timestamp ?? baseTimestamp;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const klen = (keyLens[i] = byteLengthOf(r.key));
    const vlen = (valueLens[i] = byteLengthOf(r.value));
    let size =
      1 + sizeOfVarlong(ts - baseTimestamp) + sizeOfVarint(i) + varBytesSize(klen) + varBytesSize(vlen);
    const headers = r.headers;
    if (headers === undefined) size += 1;
    else {
      size += sizeOfVarint(headers.length);
      for (const h of headers) {
        const hk = Buffer.byteLength(h.key, 'utf8');
        size += sizeOfVarint(hk) + hk + varBytesSize(byteLengthOf(h.value));
      }
    }
    bodySizes[i] = size;
    total += sizeOfVarint(size) + size;
  }
  const buf = Buffer.allocUnsafe(total);
  let at = BATCH_HEADER_SIZE;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    at = writeVarint(buf, at, bodySizes[i]!);
    buf[at++] = 0; // record attributes: unused in v2
    at = writeVarlong(buf, at, (r.timestamp ?? baseTimestamp) - baseTimestamp);
    at = writeVarint(buf, at, i);
    at = writeVarBytes(buf, at, r.key, keyLens[i]!);
    at = writeVarBytes(buf, at, r.value, valueLens[i]!);
    const headers = r.headers;
    if (headers === undefined) {
      buf[at++] = 0; // varint 0: no headers
      continue;
    }
    at = writeVarint(buf, at, headers.length);
    for (const h of headers) {
      at = writeVarBytes(buf, at, h.key, Buffer.byteLength(h.key, 'utf8'));
      at = writeVarBytes(buf, at, h.value, byteLengthOf(h.value));
    }
  }
  const attributes =
    (input.compression ?? Compression.None) |
    (input.transactional ? ATTR_TRANSACTIONAL : 0) |
    (input.control ? ATTR_CONTROL : 0);
  return { buf, attributes, baseTimestamp, maxTimestamp };
}

const TWO_32 = 4294967296;
function writeInt64(buf: Buffer, at: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * TWO_32, at + 4);
}

/** Fills the 61-byte header of `out` (whose records section is final) and its CRC. */
function finish(input: RecordBatchInput, p: Plan, out: Buffer): Buffer {
  const count = input.records.length;
  writeInt64(out, 0, input.baseOffset ?? 0);
  out.writeInt32BE(out.length - LOG_OVERHEAD, 8);
  out.writeInt32BE(input.partitionLeaderEpoch ?? -1, 12);
  out.writeInt8(CURRENT_MAGIC, 16);
  out.writeInt16BE(p.attributes, 21);
  out.writeInt32BE(count - 1, 23);
  writeInt64(out, 27, p.baseTimestamp);
  writeInt64(out, 35, p.maxTimestamp);
  writeInt64(out, 43, input.producerId ?? -1);
  out.writeInt16BE(input.producerEpoch ?? -1, 51);
  out.writeInt32BE(input.baseSequence ?? -1, 53);
  out.writeInt32BE(count, 57);
  writeBatchCrc(out, 0, out.length);
  return out;
}

function withHeaderRoom(section: Buffer): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + section.length);
  section.copy(out, BATCH_HEADER_SIZE);
  return out;
}

/** Encodes a complete RecordBatch v2 (offset deltas 0..n-1, maxTimestamp, CRC32C). */
export async function encodeRecordBatch(input: RecordBatchInput): Promise<Buffer> {
  const p = plan(input);
  const codec = input.compression ?? Compression.None;
  if (codec === Compression.None) return finish(input, p, p.buf);
  return finish(input, p, withHeaderRoom(await compress(codec, p.buf.subarray(BATCH_HEADER_SIZE))));
}

/** encodeRecordBatch without awaiting; every codec but zstd. */
export function encodeRecordBatchSync(input: RecordBatchInput): Buffer {
  const p = plan(input);
  const codec = input.compression ?? Compression.None;
  if (codec === Compression.None) return finish(input, p, p.buf);
  return finish(input, p, withHeaderRoom(compressSync(codec, p.buf.subarray(BATCH_HEADER_SIZE))));
}
