// Test helper: builds uncompressed RecordBatch v2 bytes the way a producer sends them (baseOffset 0).
import { crc32c } from '@node-rs/crc32';
import { readInt64, writeInt64 } from './batch-bytes';

export interface TestRecord {
  key?: string | null;
  /** null makes a tombstone. */
  value: string | null;
  timestamp?: number;
}

function zigzagVarint(value: number): number[] {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function bytesField(s: string | null | undefined): Buffer {
  if (s === null || s === undefined) return Buffer.from(zigzagVarint(-1));
  const data = Buffer.from(s);
  return Buffer.concat([Buffer.from(zigzagVarint(data.length)), data]);
}

export function buildBatch(records: TestRecord[], baseTimestamp = 1_700_000_000_000): Buffer {
  const bodies = records.map((r, i) => {
    const body = Buffer.concat([
      Buffer.from([0]),
      Buffer.from(zigzagVarint((r.timestamp ?? baseTimestamp) - baseTimestamp)),
      Buffer.from(zigzagVarint(i)),
      bytesField(r.key),
      bytesField(r.value),
      Buffer.from(zigzagVarint(0)),
    ]);
    return Buffer.concat([Buffer.from(zigzagVarint(body.length)), body]);
  });
  const recordsBytes = Buffer.concat(bodies);
  const batch = Buffer.alloc(61 + recordsBytes.length);
  writeInt64(batch, 0, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(0, 21);
  batch.writeInt32BE(records.length - 1, 23);
  writeInt64(batch, 27, baseTimestamp);
  writeInt64(batch, 35, Math.max(...records.map((r) => r.timestamp ?? baseTimestamp)));
  writeInt64(batch, 43, -1);
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(records.length, 57);
  recordsBytes.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch.subarray(21)) >>> 0, 17);
  return batch;
}

/** `count` records with values of `valueSize` bytes. */
export function buildSizedBatch(count: number, valueSize: number, baseTimestamp?: number): Buffer {
  const value = 'x'.repeat(valueSize);
  return buildBatch(
    Array.from({ length: count }, () => ({ value })),
    baseTimestamp,
  );
}

export interface SplitBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: Buffer;
}

/** Splits read chunks back into batches. */
export function splitBatches(chunks: Buffer[]): SplitBatch[] {
  const out: SplitBatch[] = [];
  for (const chunk of chunks) {
    for (let pos = 0; pos < chunk.length;) {
      const size = chunk.readInt32BE(pos + 8) + 12;
      const baseOffset = readInt64(chunk, pos);
      out.push({
        baseOffset,
        lastOffset: baseOffset + chunk.readInt32BE(pos + 23),
        bytes: chunk.subarray(pos, pos + size),
      });
      pos += size;
    }
  }
  return out;
}
