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
  for (let i = 0; i < n; i++) apiKeys.push({ apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() });
  return { errorCode, apiKeys };
}

/** Produce v3 body: transactional_id, acks, timeout_ms, [topic [partition records]]. */
export function encodeProduceV3(topic: string, partition: number, records: Buffer, acks = -1, timeoutMs = 10_000): Buffer {
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
export function decodeListOffsetsV1Response(body: Buffer): { partition: number; errorCode: number; offset: number }[] {
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
