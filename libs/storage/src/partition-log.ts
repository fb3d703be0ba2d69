// The log of one partition: a directory of segments. Appends and reads are synchronous file calls on the hot path
// (no per-record work, no promises); durability comes from group commit through the FlushScheduler.
import * as fs from 'node:fs';
import {
  BATCH_HEADER_SIZE,
  batchBaseOffset,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchTotalSize,
  patchBatchOffsetAndEpoch,
} from './batch-bytes';
import { scanBatches } from './batch-scan';
import { readCheckpoint, writeCheckpoint } from './checkpoint-file';
import { cleanSegments } from './compaction';
import { InvalidBatchError, LogOfflineError, OffsetOutOfRangeError } from './errors';
import { allocReadBuffer, joinPath, readFully, unlinkIfExists, writeFully } from './file-io';
import { FlushScheduler, FlushTarget, FlushWork } from './flush-scheduler';
import { EpochEndOffset, EpochEntry, LeaderEpochCache } from './leader-epoch-cache';
import { compacts, deletes, LogConfig } from './log-config';
import { LogSegment, MAX_RELATIVE_OFFSET, SegmentRecovery } from './log-segment';
import { ReadBufferPool } from './read-buffer-pool';
import { CLEANED_SUFFIX, parseLogFileName, TMP_SUFFIX } from './segment-files';

export const LOG_START_OFFSET_FILE = 'log-start-offset';
export const CLEANER_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Wall-clock time of the append; report it to clients only for LogAppendTime topics. */
  logAppendTime: number;
}

export interface ReadResult {
  /** Whole stored batches, in offset order, ready to be written to a socket as they are. */
  chunks: Buffer[];
  bytes: number;
  /**
   * Gives the buffers behind `chunks` back for reuse. Call it once nothing references `chunks` any more (the
   * socket wrote them): a later read may overwrite them. Never calling it is safe (they are garbage-collected).
   */
  release(): void;
}

export interface RecoveryReport {
  /** Bytes cut from the end of the active segment (a torn or corrupt tail). */
  truncatedBytes: number;
  problem: string | null;
  /** Older segments whose indexes were missing or implausible and were rebuilt. */
  rebuiltIndexes: number;
  /** Why the leader-epoch checkpoint could not be used and was rebuilt from the batch headers. */
  leaderEpochProblem: string | null;
}

export interface CompactionResult {
  /** Why nothing was done, when nothing was done. */
  skipped: string | null;
  segmentsRewritten: number;
  segmentsDeleted: number;
  recordsRemoved: number;
}

interface Waiter {
  offset: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const RESOLVED = Promise.resolve();
/** Scratch for header scans (reads and lookups are synchronous, so one shared buffer is safe). */
const SCAN_SCRATCH = allocReadBuffer(64 * 1024);
const HINT_LIMIT = 64;
/**
 * Read buffers reused across fetches (see ReadBufferPool). 1 MiB is the per-partition fetch size of the Java,
 * librdkafka and kafkajs defaults; reads under 256 KiB (a consumer at the tail) allocate their own.
 */
const READ_POOL = new ReadBufferPool(1 << 20, 256 * 1024, 8);
/** partitionLeaderEpoch in a RecordBatch v2 header. */
const LEADER_EPOCH_AT = 12;

export class PartitionLog implements FlushTarget {
  private segments: LogSegment[] = [];
  private startOffset = 0;
  private endOffset = 0;
  private totalBytes = 0;
  /** Everything below this offset has been fdatasynced. */
  private durableOffset = 0;
  private waiters: Waiter[] = [];
  private registeredDirty = false;
  private activeDirty = false;
  /** fds of segments rolled (or truncated) since the last flush round, still to be synced. */
  private pendingSyncFds: number[] = [];
  private dirDirty = false;
  private readonly dirFd: number;
  private inFlush = false;
  private deferredCloses: number[] = [];
  /** Bumped by anything that removes data; a flush or compaction begun before such a change is not trusted. */
  private structureVersion = 0;
  private flushVersion = 0;
  private compacting = false;
  private failed: unknown = null;
  private closed = false;
  /** Exact file positions of batches that recent reads ended at: next offset -> (segment, position). */
  private readonly hints = new Map<number, { segment: LogSegment; position: number }>();
  /** Set by load(). */
  private epochs!: LeaderEpochCache;
  recovery: RecoveryReport = {
    truncatedBytes: 0,
    problem: null,
    rebuiltIndexes: 0,
    leaderEpochProblem: null,
  };

  private constructor(
    readonly dir: string,
    private cfg: LogConfig,
    private readonly flusher: FlushScheduler,
  ) {
    this.dirFd = fs.openSync(dir, 'r');
  }

  /** Opens (creating if needed) the log in `dir`, recovering the active segment from a crash if necessary. */
  static open(dir: string, config: LogConfig, flusher: FlushScheduler): PartitionLog {
    fs.mkdirSync(dir, { recursive: true });
    const log = new PartitionLog(dir, config, flusher);
    try {
      log.load();
    } catch (err) {
      log.closeFilesNow();
      throw err;
    }
    return log;
  }

  get config(): LogConfig {
    return this.cfg;
  }

  /** New settings apply to the next append / maintenance run. */
  set config(config: LogConfig) {
    this.cfg = config;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  /** The offset the next appended record gets. */
  get logEndOffset(): number {
    return this.endOffset;
  }

  /** Everything below this offset is on disk (fdatasynced). */
  get durableEndOffset(): number {
    return this.durableOffset;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Base offsets of the segments, oldest first. */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  size(): number {
    return this.totalBytes;
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  private load(): void {
    const bases: number[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      // A crash can leave half-written temp files or cleaned copies that were never swapped in.
      if (name.endsWith(TMP_SUFFIX) || name.endsWith(CLEANED_SUFFIX)) {
        fs.unlinkSync(joinPath(this.dir, name));
        continue;
      }
      const base = parseLogFileName(name);
      if (base !== null) bases.push(base);
    }
    bases.sort((a, b) => a - b);
    const checkpoint = readCheckpoint(joinPath(this.dir, LOG_START_OFFSET_FILE));
    const interval = this.cfg.indexIntervalBytes;
    if (bases.length === 0) {
      this.segments.push(LogSegment.create(this.dir, checkpoint ?? 0));
      this.dirDirty = true;
    }
    for (let i = 0; i < bases.length; i++) {
      const segment = LogSegment.open(this.dir, bases[i]!);
      this.segments.push(segment);
      if (i === bases.length - 1) {
        const result: SegmentRecovery = segment.recover(interval, true);
        this.recovery.truncatedBytes = result.truncatedBytes;
        this.recovery.problem = result.problem;
        // The active segment's indexes live in memory; files on disk could only be stale.
        segment.deleteIndexFiles();
      } else if (!segment.loadIndexes()) {
        segment.recover(interval, true);
        segment.saveIndexes();
        this.recovery.rebuiltIndexes++;
      }
    }
    this.endOffset = this.active.nextOffset;
    this.startOffset = Math.min(Math.max(checkpoint ?? 0, this.segments[0]!.baseOffset), this.endOffset);
    this.durableOffset = this.endOffset;
    this.totalBytes = this.segments.reduce((sum, s) => sum + s.size, 0);
    const epochs = LeaderEpochCache.load(this.dir, (visit) => this.scanLeaderEpochs(visit));
    this.epochs = epochs.cache;
    this.recovery.leaderEpochProblem = epochs.problem;
    // A crash can leave entries for a tail that never reached the disk, or for segments deleted since.
    this.epochs.truncateFromEnd(this.endOffset);
    this.epochs.truncateFromStart(this.startOffset);
  }

  /** Header-only pass over every segment: the partitionLeaderEpoch and base offset of each batch. */
  private scanLeaderEpochs(visit: (epoch: number, baseOffset: number) => void): void {
    for (const segment of this.segments) {
      scanBatches(segment.fd, 0, segment.size, { validateCrc: false, scratch: SCAN_SCRATCH }, (b) => {
        visit(b.buf.readInt32BE(b.offsetInBuf + LEADER_EPOCH_AT), b.baseOffset);
        return true;
      });
    }
  }

  /** The newest leader epoch that wrote to (or, as leader, claimed) this log; -1 when none. */
  get latestLeaderEpoch(): number {
    return this.epochs.latestEpoch;
  }

  /** OffsetForLeaderEpoch: where `epoch` ends in this log (see LeaderEpochCache.endOffsetFor). */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.endOffset);
  }

  /** The leader epoch that wrote `offset`, or -1 when unknown. */
  epochForOffset(offset: number): number {
    return this.epochs.epochForOffset(offset);
  }

  /**
   * A new leader claims `epoch` from the current log end before appending anything (as Kafka does), so a
   * follower asking about the previous epoch learns it ended here even if this leader never writes again.
   */
  assignLeaderEpoch(epoch: number): void {
    this.checkWritable();
    this.epochs.assign(epoch, this.endOffset);
  }

  /** The leader-epoch cache entries, oldest first. */
  leaderEpochEntries(): EpochEntry[] {
    return this.epochs.list();
  }

  private checkWritable(): void {
    if (this.closed) throw new Error(`partition log ${this.dir} is closed; reopen it with PartitionLog.open`);
    if (this.failed !== null) throw new LogOfflineError(this.dir, this.failed);
  }

  /**
   * Appends one validated RecordBatch v2, assigning offsets from the log end. Patches baseOffset and
   * partitionLeaderEpoch in `batch` itself (outside the CRC), then writes it synchronously without copying.
   */
  append(batch: Buffer, leaderEpoch = 0): AppendResult {
    this.checkWritable();
    const size = batch.length;
    if (size < BATCH_HEADER_SIZE || batchTotalSize(batch) !== size) {
      throw new InvalidBatchError(
        `append needs exactly one RecordBatch v2 (${size} bytes given, batchLength says ` +
          `${size >= 12 ? batchTotalSize(batch) : 'n/a'}); validate produce data before appending`,
      );
    }
    const baseOffset = this.endOffset;
    const lastOffset = baseOffset + batchLastOffsetDelta(batch);
    const now = Date.now();
    this.maybeRoll(size, baseOffset, lastOffset, now);
    // Before the write: a failed checkpoint write must fail the append, not follow data already in the log.
    if (leaderEpoch !== this.epochs.latestEpoch) this.epochs.assign(leaderEpoch, baseOffset);
    patchBatchOffsetAndEpoch(batch, baseOffset, leaderEpoch);
    this.writeBatch(batch, 0, size, baseOffset, lastOffset, now);
    return { baseOffset, lastOffset, logAppendTime: now };
  }

  /**
   * Appends batches that already carry their offsets (a follower copying its leader). Offsets must increase
   * and start at or after the log end; gaps are allowed (compacted leaders have them).
   */
  appendAtOffsets(batches: Buffer): { firstOffset: number; lastOffset: number } {
    this.checkWritable();
    let firstOffset = -1;
    let lastOffset = this.endOffset - 1;
    for (let pos = 0; pos < batches.length;) {
      if (batches.length - pos < BATCH_HEADER_SIZE) {
        throw new InvalidBatchError(
          `appendAtOffsets: ${batches.length - pos} trailing bytes are not a whole batch`,
        );
      }
      const size = batchTotalSize(batches, pos);
      if (size < BATCH_HEADER_SIZE || pos + size > batches.length) {
        throw new InvalidBatchError(
          `appendAtOffsets: batch at byte ${pos} declares ${size} bytes, past the input end`,
        );
      }
      const base = batchBaseOffset(batches, pos);
      if (base < this.endOffset) {
        throw new InvalidBatchError(
          `appendAtOffsets: batch base offset ${base} is below the log end offset ${this.endOffset}; ` +
            'truncate the log to the leader first',
        );
      }
      const last = base + batchLastOffsetDelta(batches, pos);
      const now = Date.now();
      this.maybeRoll(size, base, last, now);
      const epoch = batches.readInt32BE(pos + LEADER_EPOCH_AT);
      if (epoch !== this.epochs.latestEpoch) this.epochs.assign(epoch, base);
      this.writeBatch(batches, pos, size, base, last, now);
      if (firstOffset < 0) firstOffset = base;
      lastOffset = last;
      pos += size;
    }
    return { firstOffset, lastOffset };
  }

  private writeBatch(buf: Buffer, at: number, size: number, base: number, last: number, now: number): void {
    const segment = this.active;
    const position = segment.size;
    try {
      writeFully(segment.fd, buf, at, size, position);
    } catch (err) {
      // Do not leave half a batch behind (e.g. ENOSPC); the file ends at the last whole batch again.
      try {
        fs.ftruncateSync(segment.fd, position);
      } catch {
        /* the write error below is the one to report */
      }
      throw err;
    }
    if (segment.firstAppendTime < 0) segment.firstAppendTime = now;
    segment.recordAppend(position, size, base, last, batchMaxTimestamp(buf, at), this.cfg.indexIntervalBytes);
    this.endOffset = last + 1;
    this.totalBytes += size;
    this.activeDirty = true;
    this.markDirty();
    if (this.cfg.flushOnAppend === true) this.flusher.requestRound();
  }

  private markDirty(): void {
    if (this.registeredDirty) return;
    this.registeredDirty = true;
    this.flusher.markDirty(this);
  }

  private maybeRoll(size: number, baseOffset: number, lastOffset: number, now: number): void {
    const segment = this.active;
    const overflow = lastOffset - segment.baseOffset > MAX_RELATIVE_OFFSET;
    if (segment.size === 0) {
      // An empty active segment can simply be recreated at the right base.
      if (overflow || baseOffset > segment.baseOffset) this.replaceEmptyActive(baseOffset);
      return;
    }
    const full = segment.size + size > this.cfg.segmentBytes;
    const old = segment.firstAppendTime >= 0 && now - segment.firstAppendTime >= this.cfg.segmentMs;
    if (full || old || overflow) this.roll(baseOffset);
  }

  private replaceEmptyActive(baseOffset: number): void {
    const old = this.segments.pop()!;
    this.closeSegment(old);
    old.deleteFiles();
    this.segments.push(LogSegment.create(this.dir, baseOffset));
    this.dirDirty = true;
    this.markDirty();
  }

  /** Closes the active segment (persisting its indexes) and starts a new one at `baseOffset`. */
  private roll(baseOffset: number): void {
    const old = this.active;
    old.saveIndexes();
    if (this.activeDirty) {
      this.pendingSyncFds.push(old.fd);
      this.activeDirty = false;
    }
    this.segments.push(LogSegment.create(this.dir, baseOffset));
    this.dirDirty = true;
    this.markDirty();
  }

  /** Forces a roll (tests, admin); a no-op on an empty active segment. */
  rollNow(): void {
    this.checkWritable();
    if (this.active.size > 0) this.roll(this.endOffset);
  }

  /**
   * Whole batches from the one holding `offset`, up to `maxBytes` (but always at least one batch), stopping
   * before any batch whose base offset is >= `maxOffset` (e.g. the high watermark).
   */
  read(offset: number, maxBytes: number, maxOffset = Number.POSITIVE_INFINITY): ReadResult {
    if (this.closed) throw new Error(`partition log ${this.dir} is closed; reopen it with PartitionLog.open`);
    if (offset < this.startOffset || offset > this.endOffset) {
      throw new OffsetOutOfRangeError(offset, this.startOffset, this.endOffset);
    }
    const pooled: Buffer[] = [];
    const result: ReadResult = {
      chunks: [],
      bytes: 0,
      release: () => {
        // Emptied first so a second call gives nothing back twice.
        for (const buf of pooled.splice(0)) READ_POOL.release(buf);
      },
    };
    if (offset >= this.endOffset || offset >= maxOffset) return result;
    let target = offset;
    let index = -1;
    let position = -1;
    const hint = this.hints.get(offset);
    if (hint !== undefined) {
      index = this.segments.indexOf(hint.segment);
      position = hint.position;
    }
    if (index < 0) {
      index = this.segmentIndexFor(offset);
      position = -1;
    }
    for (; index < this.segments.length; index++, position = -1) {
      const segment = this.segments[index]!;
      if (position < 0) position = segment.findBatchPosition(target, SCAN_SCRATCH);
      if (position < 0 || position >= segment.size) continue;
      const read = this.readWholeBatches(
        segment,
        position,
        maxBytes - result.bytes,
        maxOffset,
        result.bytes === 0,
      );
      if (read.pooled !== null) pooled.push(read.pooled);
      if (read.bytes > 0) {
        result.chunks.push(read.chunk);
        result.bytes += read.bytes;
        target = read.nextOffset;
        this.rememberHint(read.nextOffset, segment, position + read.bytes);
      }
      // Continue into the next segment only if this one was read to its end within budget and bound.
      if (!read.reachedEnd || result.bytes >= maxBytes) break;
    }
    return result;
  }

  private readWholeBatches(
    segment: LogSegment,
    position: number,
    budget: number,
    maxOffset: number,
    atLeastOne: boolean,
  ): { chunk: Buffer; bytes: number; nextOffset: number; reachedEnd: boolean; pooled: Buffer | null } {
    const available = segment.size - position;
    let want = Math.min(available, Math.max(budget, atLeastOne ? BATCH_HEADER_SIZE : 0));
    const empty = SCAN_SCRATCH.subarray(0, 0);
    if (want < BATCH_HEADER_SIZE)
      return { chunk: empty, bytes: 0, nextOffset: 0, reachedEnd: false, pooled: null };
    // May be longer than `want` (a pooled buffer); only the first `want` bytes are read and looked at.
    let buf = READ_POOL.acquire(want);
    readFully(segment.fd, buf, want, position);
    if (atLeastOne && batchTotalSize(buf) > want) {
      // The first batch is larger than the budget: return it whole anyway.
      want = batchTotalSize(buf);
      READ_POOL.release(buf);
      buf = READ_POOL.acquire(want);
      readFully(segment.fd, buf, want, position);
    }
    const pooled = READ_POOL.isPooled(buf) ? buf : null;
    let end = 0;
    let nextOffset = 0;
    let stopped = false;
    while (end + BATCH_HEADER_SIZE <= want) {
      const size = batchTotalSize(buf, end);
      if (end + size > want) break;
      const base = batchBaseOffset(buf, end);
      if (base >= maxOffset) {
        stopped = true;
        break;
      }
      nextOffset = base + batchLastOffsetDelta(buf, end) + 1;
      end += size;
    }
    if (end === 0) {
      if (pooled !== null) READ_POOL.release(pooled);
      return { chunk: empty, bytes: 0, nextOffset: 0, reachedEnd: false, pooled: null };
    }
    return {
      chunk: buf.subarray(0, end),
      bytes: end,
      nextOffset,
      reachedEnd: !stopped && end === available,
      pooled,
    };
  }

  private rememberHint(nextOffset: number, segment: LogSegment, position: number): void {
    if (this.hints.size >= HINT_LIMIT) this.hints.clear();
    this.hints.set(nextOffset, { segment, position });
  }

  /** Index of the last segment whose base offset is <= offset (0 if the offset precedes them all). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * ListOffsets by timestamp: the base offset and maxTimestamp of the first batch (in offset order) whose
   * maxTimestamp is >= `timestamp`, or null if there is none. Granularity is the batch: the client receives
   * that whole batch and skips records older than it asked for, as with any fetch from a batch's middle.
   */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    for (const segment of this.segments) {
      const found = segment.findByTimestamp(timestamp, SCAN_SCRATCH);
      if (found !== null)
        return { offset: Math.max(found.offset, this.startOffset), timestamp: found.timestamp };
    }
    return null;
  }

  /** Resolves once everything below `offset` is fsynced (group commit; one round serves all waiting logs). */
  awaitDurable(offset: number): Promise<void> {
    if (offset <= this.durableOffset) return RESOLVED;
    if (this.closed)
      return Promise.reject(new Error(`partition log ${this.dir} is closed; nothing more becomes durable`));
    if (this.failed !== null) return Promise.reject(new LogOfflineError(this.dir, this.failed));
    if (offset > this.endOffset) {
      return Promise.reject(
        new RangeError(`awaitDurable(${offset}) is past the log end offset ${this.endOffset} of ${this.dir}`),
      );
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ offset, resolve, reject });
      this.markDirty();
      this.flusher.requestRound();
    });
  }

  /** Makes everything appended so far durable. */
  flush(): Promise<void> {
    return this.awaitDurable(this.endOffset);
  }

  beginFlush(): FlushWork {
    this.registeredDirty = false;
    this.inFlush = true;
    this.flushVersion = this.structureVersion;
    const fds = this.pendingSyncFds;
    this.pendingSyncFds = [];
    if (this.activeDirty && !this.closed) fds.push(this.active.fd);
    this.activeDirty = false;
    const dirFds = this.dirDirty && !this.closed ? [this.dirFd] : [];
    this.dirDirty = false;
    return { fds, dirFds, token: this.endOffset };
  }

  endFlush(work: FlushWork, error: unknown): void {
    this.inFlush = false;
    for (const fd of this.deferredCloses) fs.closeSync(fd);
    this.deferredCloses = [];
    if (this.closed && this.waiters.length === 0) return;
    if (error !== undefined && error !== null) {
      this.failed = error;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.reject(new LogOfflineError(this.dir, error));
      return;
    }
    // Data removed during the round (truncation) makes its token meaningless; the next round decides.
    if (this.flushVersion === this.structureVersion && work.token > this.durableOffset) {
      this.durableOffset = Math.min(work.token, this.endOffset);
    }
    if (this.waiters.length === 0) return;
    const remaining: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.offset <= this.durableOffset) w.resolve();
      else remaining.push(w);
    }
    this.waiters = remaining;
    if (remaining.length > 0) {
      this.markDirty();
      this.flusher.requestRound();
    }
  }

  private closeFd(fd: number): void {
    const pending = this.pendingSyncFds.indexOf(fd);
    if (pending >= 0) this.pendingSyncFds.splice(pending, 1);
    if (this.inFlush) this.deferredCloses.push(fd);
    else fs.closeSync(fd);
  }

  private closeSegment(segment: LogSegment): void {
    this.closeFd(segment.fd);
    segment.fd = -1;
  }

  private dataRemoved(): void {
    this.structureVersion++;
    this.hints.clear();
    this.totalBytes = this.segments.reduce((sum, s) => sum + s.size, 0);
    this.dirDirty = true;
    this.markDirty();
  }

  /** Removes everything at and after `offset` (whole batches: a batch holding `offset` goes entirely). */
  truncateTo(offset: number): void {
    this.checkWritable();
    if (offset >= this.endOffset) {
      // Nothing to cut, but an epoch claimed at the log end (a leader that never wrote) may conflict with the
      // new leader's history: drop it, as Kafka does.
      this.epochs.truncateFromEnd(this.endOffset);
      return;
    }
    if (offset < this.startOffset || offset <= this.segments[0]!.baseOffset) {
      this.truncateFullyAndStartAt(
        offset < this.startOffset ? offset : Math.min(offset, this.segments[0]!.baseOffset),
      );
      return;
    }
    while (this.segments.length > 1 && this.active.baseOffset >= offset) {
      const segment = this.segments.pop()!;
      this.closeSegment(segment);
      segment.deleteFiles();
    }
    const active = this.active;
    this.endOffset = active.truncateFrom(offset, this.cfg.indexIntervalBytes);
    const cleanerFile = joinPath(this.dir, CLEANER_CHECKPOINT_FILE);
    if ((readCheckpoint(cleanerFile) ?? 0) > active.baseOffset)
      writeCheckpoint(cleanerFile, active.baseOffset);
    this.activeDirty = true;
    this.durableOffset = Math.min(this.durableOffset, this.endOffset);
    this.epochs.truncateFromEnd(this.endOffset);
    this.dataRemoved();
  }

  /** Drops every segment and restarts the log empty at `offset` (a follower too far behind its leader). */
  truncateFullyAndStartAt(offset: number): void {
    this.checkWritable();
    for (const segment of this.segments) {
      this.closeSegment(segment);
      segment.deleteFiles();
    }
    this.segments = [LogSegment.create(this.dir, offset)];
    this.endOffset = offset;
    this.startOffset = offset;
    this.durableOffset = Math.min(this.durableOffset, offset);
    writeCheckpoint(joinPath(this.dir, LOG_START_OFFSET_FILE), offset);
    unlinkIfExists(joinPath(this.dir, CLEANER_CHECKPOINT_FILE));
    this.epochs.clear();
    this.dataRemoved();
  }

  /** DeleteRecords: advances the log start offset to `offset` and drops segments wholly below it. */
  deleteRecordsBefore(offset: number): number {
    this.checkWritable();
    if (offset > this.endOffset) throw new OffsetOutOfRangeError(offset, this.startOffset, this.endOffset);
    if (offset > this.startOffset) {
      this.startOffset = offset;
      writeCheckpoint(joinPath(this.dir, LOG_START_OFFSET_FILE), offset);
      this.epochs.truncateFromStart(offset);
      this.deleteSegmentsBelowStart();
    }
    return this.startOffset;
  }

  private deleteSegmentsBelowStart(): number {
    let deleted = 0;
    while (this.segments.length > 1 && this.segments[1]!.baseOffset <= this.startOffset) {
      this.deleteOldestSegment();
      deleted++;
    }
    return deleted;
  }

  private deleteOldestSegment(): void {
    const segment = this.segments.shift()!;
    this.closeSegment(segment);
    segment.deleteFiles();
    this.dataRemoved();
  }

  /**
   * Deletes whole non-active segments past retention.ms (by their newest timestamp, or file time if they
   * have none) or beyond retention.bytes, plus segments wholly below the log start offset. Returns how many.
   */
  applyRetention(now: number): number {
    this.checkWritable();
    let deleted = this.deleteSegmentsBelowStart();
    if (deletes(this.cfg)) {
      const { retentionMs, retentionBytes } = this.cfg;
      while (this.segments.length > 1) {
        const oldest = this.segments[0]!;
        const newest = oldest.maxTimestamp >= 0 ? oldest.maxTimestamp : fs.fstatSync(oldest.fd).mtimeMs;
        const expired = retentionMs >= 0 && now - newest > retentionMs;
        const tooBig = retentionBytes >= 0 && this.totalBytes - oldest.size >= retentionBytes;
        if (!expired && !tooBig) break;
        this.deleteOldestSegment();
        deleted++;
      }
    }
    const firstBase = this.segments[0]!.baseOffset;
    if (firstBase > this.startOffset) {
      this.startOffset = Math.min(firstBase, this.endOffset);
      writeCheckpoint(joinPath(this.dir, LOG_START_OFFSET_FILE), this.startOffset);
      this.epochs.truncateFromStart(this.startOffset);
    }
    return deleted;
  }

  /**
   * Compaction for compact policies: keeps the latest record per key in the non-active segments (tombstones
   * until deleteRetentionMs past their batch's maxTimestamp), rewriting each changed segment through a
   * `.cleaned` file and an atomic rename. Offsets are preserved (gaps appear). Runs when the bytes written since
   * the last compaction make up at least minCleanableDirtyRatio of the non-active bytes.
   */
  async compact(now: number): Promise<CompactionResult> {
    const result: CompactionResult = {
      skipped: null,
      segmentsRewritten: 0,
      segmentsDeleted: 0,
      recordsRemoved: 0,
    };
    this.checkWritable();
    if (!compacts(this.cfg)) return { ...result, skipped: `cleanup.policy is ${this.cfg.cleanupPolicy}` };
    if (this.compacting) return { ...result, skipped: 'a compaction of this log is already running' };
    const segments = this.segments.slice(0, -1);
    if (segments.length === 0) return { ...result, skipped: 'only the active segment exists' };
    const checkpointFile = joinPath(this.dir, CLEANER_CHECKPOINT_FILE);
    const cleanedUpTo = readCheckpoint(checkpointFile) ?? 0;
    let dirty = 0;
    let total = 0;
    for (const s of segments) {
      total += s.size;
      if (s.baseOffset >= cleanedUpTo) dirty += s.size;
    }
    const ratio = total === 0 ? 0 : dirty / total;
    if (ratio < this.cfg.minCleanableDirtyRatio || total === 0) {
      return {
        ...result,
        skipped: `dirty ratio ${ratio.toFixed(3)} is below ${this.cfg.minCleanableDirtyRatio}`,
      };
    }
    this.compacting = true;
    const version = this.structureVersion;
    try {
      const cleaned = await cleanSegments(segments, now, this.cfg.deleteRetentionMs);
      if (this.closed || this.structureVersion !== version) {
        for (const c of cleaned.cleaned) unlinkIfExists(c.cleanedPath);
        return { ...result, skipped: 'the log was truncated or closed while compacting; will retry' };
      }
      for (const c of cleaned.cleaned) {
        const at = this.segments.indexOf(c.segment);
        this.closeSegment(c.segment);
        c.segment.deleteIndexFiles();
        if (c.cleanedSize === 0) {
          unlinkIfExists(c.cleanedPath);
          c.segment.deleteFiles();
          this.segments.splice(at, 1);
          result.segmentsDeleted++;
          continue;
        }
        fs.renameSync(c.cleanedPath, c.segment.logPath);
        const replacement = LogSegment.open(this.dir, c.segment.baseOffset);
        replacement.rebuildIndexes(this.cfg.indexIntervalBytes);
        replacement.saveIndexes();
        this.segments[at] = replacement;
        result.segmentsRewritten++;
      }
      result.recordsRemoved = cleaned.recordsRemoved;
      writeCheckpoint(checkpointFile, this.active.baseOffset);
      if (cleaned.cleaned.length > 0) this.dataRemoved();
      return result;
    } catch (err) {
      for (const s of segments) unlinkIfExists(s.logPath + CLEANED_SUFFIX);
      throw err;
    } finally {
      this.compacting = false;
    }
  }

  /** Flushes, then closes every file. The log cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.failed === null) await this.flush();
    this.closed = true;
    this.flusher.remove(this);
    this.closeFilesNow();
  }

  /** Closes and removes the whole partition directory (topic deletion). */
  delete(): void {
    if (!this.closed) {
      this.closed = true;
      this.flusher.remove(this);
      this.closeFilesNow();
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters)
      w.reject(new Error(`partition log ${this.dir} was deleted before it became durable`));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private closeFilesNow(): void {
    for (const segment of this.segments) {
      if (segment.fd >= 0) this.closeSegment(segment);
    }
    this.closeFd(this.dirFd);
  }
}
