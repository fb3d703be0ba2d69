// Log compaction: keep only the latest record per key in the non-active segments. Each changed segment is
// rewritten to `<segment>.log.cleaned` (the caller swaps it in with a rename). Kept records are copied as raw
// bytes so offsets, timestamps and headers are preserved; compressed batches are decompressed and recompressed
// with their own codec.
import * as fs from 'node:fs';
import { crc32c } from '@node-rs/crc32';
import { Compression } from '@tributary/protocol/records/batch-header';
import { compress, decompress } from '@tributary/protocol/records/codecs';
import {
  BATCH_HEADER_SIZE,
  CRC_OFFSET,
  CRC_START,
  LOG_OVERHEAD,
  batchBaseOffset,
  batchCompression,
  batchIsControl,
  batchMaxTimestamp,
  batchRecordCount,
  batchTotalSize,
} from './batch-bytes';
import { readFully, writeFully } from './file-io';
import { LogSegment } from './log-segment';
import { sliceRecords } from './record-slices';
import { CLEANED_SUFFIX } from './segment-files';

/** Bound on a decompressed records section while compacting (stored batches were validated on produce). */
const MAX_UNCOMPRESSED_BATCH = 256 * 1024 * 1024;

export interface CleanedSegment {
  segment: LogSegment;
  /** The rewritten file; its size is 0 when every batch was removed. */
  cleanedPath: string;
  cleanedSize: number;
}

export interface CleanResult {
  cleaned: CleanedSegment[];
  recordsRemoved: number;
}

function readBatchAt(segment: LogSegment, position: number): Buffer {
  const head = Buffer.allocUnsafe(LOG_OVERHEAD);
  if (readFully(segment.fd, head, LOG_OVERHEAD, position) !== LOG_OVERHEAD) {
    throw new Error(
      `${segment.logPath}: batch header at position ${position} is cut short; reopen the log to recover it`,
    );
  }
  const size = batchTotalSize(head);
  const batch = Buffer.allocUnsafe(size);
  if (size < BATCH_HEADER_SIZE || readFully(segment.fd, batch, size, position) !== size) {
    throw new Error(
      `${segment.logPath}: batch at position ${position} is cut short; reopen the log to recover it`,
    );
  }
  return batch;
}

async function recordsSection(batch: Buffer): Promise<Buffer> {
  const section = batch.subarray(BATCH_HEADER_SIZE);
  const codec = batchCompression(batch);
  return codec === Compression.None ? section : decompress(codec, section, MAX_UNCOMPRESSED_BATCH);
}

async function* batchesOf(segment: LogSegment): AsyncGenerator<{ batch: Buffer; where: string }> {
  for (let position = 0; position < segment.size;) {
    const batch = readBatchAt(segment, position);
    yield { batch, where: `${segment.logPath} @${position}` };
    position += batch.length;
  }
}

/** key -> offset of its latest record across `segments` (in offset order). */
async function latestOffsets(segments: readonly LogSegment[]): Promise<Map<string, number>> {
  const latest = new Map<string, number>();
  for (const segment of segments) {
    for await (const { batch, where } of batchesOf(segment)) {
      if (batchIsControl(batch)) continue;
      const base = batchBaseOffset(batch);
      for (const slice of sliceRecords(await recordsSection(batch), batchRecordCount(batch), where)) {
        if (slice.key !== null) latest.set(slice.key, base + slice.offsetDelta);
      }
    }
  }
  return latest;
}

/** The batch with only `keep` (byte ranges of `body`), same header, new length/count/CRC. */
async function rebuildBatch(
  batch: Buffer,
  body: Buffer,
  keep: Array<{ start: number; end: number }>,
): Promise<Buffer> {
  const kept = Buffer.concat(keep.map((r) => body.subarray(r.start, r.end)));
  const codec = batchCompression(batch);
  const section = codec === Compression.None ? kept : await compress(codec, kept);
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + section.length);
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  section.copy(out, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - LOG_OVERHEAD, 8);
  out.writeInt32BE(keep.length, 57);
  out.writeUInt32BE(crc32c(out.subarray(CRC_START)) >>> 0, CRC_OFFSET);
  return out;
}

/**
 * Writes cleaned copies of the segments that lose records. A record is kept if its key is null, or it is the
 * latest for its key and not an expired tombstone (a tombstone expires once `now` is more than
 * deleteRetentionMs past its batch's maxTimestamp). Control batches are kept as they are; batches left with no
 * records are dropped.
 */
export async function cleanSegments(
  segments: readonly LogSegment[],
  now: number,
  deleteRetentionMs: number,
): Promise<CleanResult> {
  const latest = await latestOffsets(segments);
  const cleaned: CleanedSegment[] = [];
  let recordsRemoved = 0;
  for (const segment of segments) {
    const cleanedPath = segment.logPath + CLEANED_SUFFIX;
    const fd = fs.openSync(cleanedPath, 'w');
    let size = 0;
    let changed = false;
    try {
      for await (const { batch, where } of batchesOf(segment)) {
        let out: Buffer | null = batch;
        if (!batchIsControl(batch)) {
          const base = batchBaseOffset(batch);
          const tombstonesExpired = now - batchMaxTimestamp(batch) > deleteRetentionMs;
          const body = await recordsSection(batch);
          const slices = sliceRecords(body, batchRecordCount(batch), where);
          const keep = slices.filter(
            (s) =>
              s.key === null ||
              (latest.get(s.key) === base + s.offsetDelta && !(s.tombstone && tombstonesExpired)),
          );
          if (keep.length < slices.length) {
            changed = true;
            recordsRemoved += slices.length - keep.length;
            out = keep.length === 0 ? null : await rebuildBatch(batch, body, keep);
          }
        }
        if (out !== null) {
          writeFully(fd, out, 0, out.length, size);
          size += out.length;
        }
      }
      if (changed) fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (changed) cleaned.push({ segment, cleanedPath, cleanedSize: size });
    else fs.unlinkSync(cleanedPath);
  }
  return { cleaned, recordsRemoved };
}
