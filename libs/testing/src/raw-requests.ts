import { Reader, Writer } from '@tributary/protocol';

/**
 * Hand-encoded bodies for the few requests the raw-socket tests send, written straight from the public protocol
 * guide (non-flexible versions), independent of the broker's message tables.
 */

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** ApiVersions response body in the v0 layout (also the v3+ error answer): error_code, [api_key min max]. */
export function decodeApiVersionsV0(body: Buffer): { errorCode: number; apiKeys: ApiVersionRange[] } {
  const r = new Reader(body);
  const errorCode = r.int16();
  const n = r.int32();
  const apiKeys: ApiVersionRange[] = [];
  for (let i = 0; i < n; i++)
    apiKeys.push({ apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() });
  return { errorCode, apiKeys };
}

/** Produce v3 body: transactional_id, acks, timeout_ms, [topic [partition records]]. */
export function encodeProduceV3(
  topic: string,
  partition: number,
  records: Buffer,
  acks = -1,
  timeoutMs = 10_000,
): Buffer {
  const w = new Writer(records.length + 128);
  w.nullableString(null).int16(acks).int32(timeoutMs);
  w.int32(1).string(topic);
  w.int32(1).int32(partition).int32(records.length).raw(records);
  return w.toBuffer();
}

export interface ProducePartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
  baseOffset: number;
}

/** Produce v3 response body: [topic [partition error_code base_offset log_append_time]] throttle_time_ms. */
export function decodeProduceV3Response(body: Buffer): ProducePartitionResult[] {
  const r = new Reader(body);
  const out: ProducePartitionResult[] = [];
  const topics = r.int32();
  for (let t = 0; t < topics; t++) {
    const topic = r.string();
    const parts = r.int32();
    for (let p = 0; p < parts; p++) {
      const partition = r.int32();
      const errorCode = r.int16();
      const baseOffset = r.int64();
      r.int64(); // log_append_time
      out.push({ topic, partition, errorCode, baseOffset });
    }
  }
  return out;
}

/** ListOffsets v1 body: replica_id, [topic [partition timestamp]]. Timestamp -1 latest, -2 earliest. */
export function encodeListOffsetsV1(topic: string, partition: number, timestamp: number): Buffer {
  const w = new Writer(64);
  w.int32(-1).int32(1).string(topic).int32(1).int32(partition).int64(timestamp);
  return w.toBuffer();
}

/** ListOffsets v1 response: [topic [partition error_code timestamp offset]]. */
export function decodeListOffsetsV1Response(
  body: Buffer,
): { partition: number; errorCode: number; offset: number }[] {
  const r = new Reader(body);
  const out: { partition: number; errorCode: number; offset: number }[] = [];
  const topics = r.int32();
  for (let t = 0; t < topics; t++) {
    r.string();
    const parts = r.int32();
    for (let p = 0; p < parts; p++) {
      const partition = r.int32();
      const errorCode = r.int16();
      r.int64(); // timestamp
      out.push({ partition, errorCode, offset: r.int64() });
    }
  }
  return out;
}

/** Metadata v1 body for the named topics (non-null array). */
export function encodeMetadataV1(topics: string[]): Buffer {
  const w = new Writer(64);
  w.int32(topics.length);
  for (const t of topics) w.string(t);
  return w.toBuffer();
}

/** Fetch v4 body for one partition: replica_id, max_wait, min_bytes, max_bytes, isolation, [topic [partition offset max]]. */
export function encodeFetchV4(
  topic: string,
  partition: number,
  offset: number,
  maxBytes = 4 * 1024 * 1024,
): Buffer {
  const w = new Writer(64);
  w.int32(-1).int32(100).int32(1).int32(maxBytes).int8(0);
  w.int32(1).string(topic).int32(1).int32(partition).int64(offset).int32(maxBytes);
  return w.toBuffer();
}

export interface FetchedBatchInfo {
  baseOffset: number;
  /** Codec id from the attributes: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  codec: number;
  magic: number;
  recordCount: number;
}

/** Decodes a Fetch v4 response for one partition down to the stored batches' headers (not their records). */
export function decodeFetchV4Batches(body: Buffer): {
  errorCode: number;
  highWatermark: number;
  batches: FetchedBatchInfo[];
} {
  const r = new Reader(body);
  r.int32(); // throttle_time_ms
  const topics = r.int32();
  if (topics !== 1) throw new Error(`expected one topic in the fetch response, got ${topics}`);
  r.string();
  const parts = r.int32();
  if (parts !== 1) throw new Error(`expected one partition in the fetch response, got ${parts}`);
  r.int32(); // partition
  const errorCode = r.int16();
  const highWatermark = r.int64();
  r.int64(); // last_stable_offset
  const aborted = r.int32();
  for (let i = 0; i < aborted; i++) {
    r.int64();
    r.int64();
  }
  const records = r.nullableBytes() ?? Buffer.alloc(0);
  const batches: FetchedBatchInfo[] = [];
  let at = 0;
  while (at + 61 <= records.length) {
    const batchLength = records.readInt32BE(at + 8);
    if (at + 12 + batchLength > records.length) break; // partial trailing batch
    const hi = records.readInt32BE(at);
    batches.push({
      baseOffset: hi * 4294967296 + records.readUInt32BE(at + 4),
      magic: records.readInt8(at + 16),
      codec: records.readInt16BE(at + 21) & 0x07,
      recordCount: records.readInt32BE(at + 57),
    });
    at += 12 + batchLength;
  }
  return { errorCode, highWatermark, batches };
}
