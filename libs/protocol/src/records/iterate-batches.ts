import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  BatchHeader,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  MAGIC,
  readBatchHeader,
  verifyBatchCrc,
} from './batch-header';

export interface StoredBatch {
  /** Byte range of the whole batch in the scanned buffer. */
  start: number;
  end: number;
  header: BatchHeader;
}

/** Why a scan stopped: clean end, a batch cut off by the buffer's end, or bytes that are not a valid batch. */
export type BatchScanStop = 'end' | 'truncated' | 'corrupt';

export interface BatchScanResult {
  /** Offset just past the last good batch: where a torn tail should be truncated. */
  validEnd: number;
  stop: BatchScanStop;
}

export interface BatchScanOptions {
  /** Byte offset to start at. */
  from?: number;
  /** Stop at the first batch whose CRC32C does not match (log recovery). */
  verifyCrc?: boolean;
}

/**
 * Walks consecutive stored batches, yielding each complete one and stopping at a truncated or malformed tail.
 * The generator's return value says where and why it stopped.
 */
export function* batchesIn(
  buf: Buffer,
  opts: BatchScanOptions = {},
): Generator<StoredBatch, BatchScanResult, void> {
  let at = opts.from ?? 0;
  while (at < buf.length) {
    if (at + BATCH_HEADER_SIZE > buf.length) {
      // Fewer bytes than a batch header: a torn tail.
      return { validEnd: at, stop: 'truncated' };
    }
    const batchLength = buf.readInt32BE(at + BATCH_LENGTH);
    if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || buf.readInt8(at + MAGIC) !== CURRENT_MAGIC) {
      return { validEnd: at, stop: 'corrupt' };
    }
    const end = at + LOG_OVERHEAD + batchLength;
    if (end > buf.length) return { validEnd: at, stop: 'truncated' };
    if (opts.verifyCrc && !verifyBatchCrc(buf, at, end)) return { validEnd: at, stop: 'corrupt' };
    yield { start: at, end, header: readBatchHeader(buf, at) };
    at = end;
  }
  return { validEnd: at, stop: 'end' };
}

/** Runs batchesIn to the end: the batches and where the valid data ends. */
export function scanBatches(
  buf: Buffer,
  opts: BatchScanOptions = {},
): BatchScanResult & { batches: StoredBatch[] } {
  const batches: StoredBatch[] = [];
  const it = batchesIn(buf, opts);
  for (;;) {
    const step = it.next();
    if (step.done) return { ...step.value, batches };
    batches.push(step.value);
  }
}
