// One segment: a `.log` file of stored batches plus its in-memory sparse indexes. The log owns the fd lifecycle.
import * as fs from 'node:fs';
import { batchMaxTimestamp } from './batch-bytes';
import { scanBatches, ScanEnd } from './batch-scan';
import { joinPath, unlinkIfExists } from './file-io';
import { OffsetIndex } from './offset-index';
import { INDEX_SUFFIX, LOG_SUFFIX, segmentFileName, TIME_INDEX_SUFFIX } from './segment-files';
import { TimeIndex } from './time-index';

/** Relative offsets in the indexes are u32. */
export const MAX_RELATIVE_OFFSET = 0xffff_ffff;

export interface SegmentRecovery {
  truncatedBytes: number;
  problem: string | null;
}

export class LogSegment {
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  /** Bytes of whole batches in the file. */
  size = 0;
  /** Offset after the last batch, known for the active segment (and any segment scanned); -1 if unknown. */
  nextOffset: number;
  /** Largest batch maxTimestamp seen (-1 when none), and the base offset of the batch carrying it. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** Wall-clock time of the first append (or the first batch's timestamp after a restart), for segment.ms. */
  firstAppendTime = -1;
  private offsetIndex = new OffsetIndex();
  private timeIndex = new TimeIndex();
  private bytesSinceIndexEntry = 0;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    public fd: number,
  ) {
    this.logPath = joinPath(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.indexPath = joinPath(dir, segmentFileName(baseOffset, INDEX_SUFFIX));
    this.timeIndexPath = joinPath(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX));
    this.nextOffset = baseOffset;
  }

  /** A new empty segment (an existing file of that name is emptied). */
  static create(dir: string, baseOffset: number): LogSegment {
    const path = joinPath(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    const segment = new LogSegment(dir, baseOffset, fs.openSync(path, 'w+'));
    unlinkIfExists(segment.indexPath);
    unlinkIfExists(segment.timeIndexPath);
    return segment;
  }

  /** Opens an existing segment without reading its batches (call recover() or loadIndexes() next). */
  static open(dir: string, baseOffset: number): LogSegment {
    const path = joinPath(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    const segment = new LogSegment(dir, baseOffset, fs.openSync(path, 'r+'));
    segment.size = fs.fstatSync(segment.fd).size;
    segment.nextOffset = -1;
    return segment;
  }

  /**
   * Scans every batch (bounds, magic, increasing offsets, and CRC32C when `validateCrc`), truncates the file
   * after the last good batch, and rebuilds both indexes. Used for the active segment and for missing indexes.
   */
  recover(indexIntervalBytes: number, validateCrc: boolean): SegmentRecovery {
    const fileSize = fs.fstatSync(this.fd).size;
    this.resetIndexes();
    const end = this.scanIntoIndexes(0, fileSize, indexIntervalBytes, validateCrc);
    if (end.end < fileSize) fs.ftruncateSync(this.fd, end.end);
    this.size = end.end;
    return { truncatedBytes: fileSize - end.end, problem: end.problem };
  }

  /** Loads the persisted indexes of a non-active segment; false when they are missing or implausible. */
  loadIndexes(): boolean {
    const offsets = OffsetIndex.load(this.indexPath, this.size);
    const times = offsets === null ? null : TimeIndex.load(this.timeIndexPath);
    if (offsets === null || times === null) return false;
    this.offsetIndex = offsets;
    this.timeIndex = times;
    this.maxTimestamp = times.lastTimestamp();
    return true;
  }

  /** Writes `.index` and `.timeindex` (atomically) for a segment that stops being active. */
  saveIndexes(): void {
    if (this.maxTimestamp >= 0)
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
    this.offsetIndex.save(this.indexPath);
    this.timeIndex.save(this.timeIndexPath);
  }

  deleteIndexFiles(): void {
    unlinkIfExists(this.indexPath);
    unlinkIfExists(this.timeIndexPath);
  }

  deleteFiles(): void {
    unlinkIfExists(this.logPath);
    this.deleteIndexFiles();
  }

  /**
   * Bookkeeping after the caller wrote a batch of `size` bytes at `position` (= the old size). Index entries are
   * added for the batch at the first batch boundary once indexIntervalBytes have passed since the last entry.
   */
  recordAppend(
    position: number,
    size: number,
    baseOffset: number,
    lastOffset: number,
    maxTimestamp: number,
    indexIntervalBytes: number,
  ): void {
    if (this.bytesSinceIndexEntry >= indexIntervalBytes && position > 0) {
      this.offsetIndex.append(baseOffset - this.baseOffset, position);
      if (this.maxTimestamp >= 0) {
        this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
      }
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = baseOffset;
    }
    this.size = position + size;
    this.nextOffset = lastOffset + 1;
  }

  /** Position to start scanning from for the batch holding `offset`. */
  indexedPositionFor(offset: number): number {
    const rel = offset - this.baseOffset;
    return rel <= 0 ? 0 : this.offsetIndex.lookup(Math.min(rel, MAX_RELATIVE_OFFSET));
  }

  /** File position of the first batch whose last offset is >= `offset`, or -1 when this segment has none. */
  findBatchPosition(offset: number, scratch: Buffer): number {
    let found = -1;
    scanBatches(
      this.fd,
      this.indexedPositionFor(offset),
      this.size,
      { validateCrc: false, scratch },
      (batch) => {
        if (batch.lastOffset < offset) return true;
        found = batch.position;
        return false;
      },
    );
    return found;
  }

  /** Base offset and position of the first batch whose maxTimestamp >= `timestamp`, or null. */
  findByTimestamp(timestamp: number, scratch: Buffer): { offset: number; timestamp: number } | null {
    if (this.maxTimestamp < timestamp) return null;
    const start = this.indexedPositionFor(this.baseOffset + this.timeIndex.scanStartFor(timestamp));
    let result: { offset: number; timestamp: number } | null = null;
    scanBatches(this.fd, start, this.size, { validateCrc: false, scratch }, (batch) => {
      const max = batchMaxTimestamp(batch.buf, batch.offsetInBuf);
      if (max < timestamp) return true;
      result = { offset: batch.baseOffset, timestamp: max };
      return false;
    });
    return result;
  }

  /**
   * Drops batches from the one holding `offset` onwards (a batch is never split). Returns the new next offset.
   */
  truncateFrom(offset: number, indexIntervalBytes: number): number {
    const position = this.findBatchPosition(offset, Buffer.allocUnsafe(64 * 1024));
    if (position >= 0) {
      fs.ftruncateSync(this.fd, position);
      this.size = position;
    }
    this.deleteIndexFiles();
    this.resetIndexes();
    this.scanIntoIndexes(0, this.size, indexIntervalBytes, false);
    return this.nextOffset;
  }

  /** Header-only scan so an index-less segment learns its offsets and timestamps (no CRC check). */
  rebuildIndexes(indexIntervalBytes: number): ScanEnd {
    this.resetIndexes();
    return this.scanIntoIndexes(0, this.size, indexIntervalBytes, false);
  }

  private resetIndexes(): void {
    this.offsetIndex.clear();
    this.timeIndex.clear();
    this.bytesSinceIndexEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.nextOffset = this.baseOffset;
    this.firstAppendTime = -1;
  }

  private scanIntoIndexes(start: number, limit: number, interval: number, validateCrc: boolean): ScanEnd {
    const end = scanBatches(
      this.fd,
      start,
      limit,
      { validateCrc, minBaseOffset: this.baseOffset },
      (batch) => {
        const max = batchMaxTimestamp(batch.buf, batch.offsetInBuf);
        if (this.firstAppendTime < 0) this.firstAppendTime = max >= 0 ? max : Date.now();
        this.recordAppend(batch.position, batch.size, batch.baseOffset, batch.lastOffset, max, interval);
        return true;
      },
    );
    this.size = end.end;
    return end;
  }
}
