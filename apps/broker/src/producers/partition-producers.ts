import { logger } from '@tributary/common';
import { batchesIn, PRODUCER_ID, readBatchHeader, type BatchHeader } from '@tributary/protocol';
import type { PartitionLog } from '@tributary/storage';
import {
  discardBackgroundSnapshot,
  publishBackgroundSnapshot,
  readProducerSnapshot,
  writeBackgroundSnapshot,
  writeProducerSnapshot,
  type ProducerSnapshot,
} from './producer-snapshot';
import { ProducerStateTable, type SequenceVerdict } from './producer-state';

/**
 * A snapshot is written once this many bytes were appended since the last one: it bounds the startup scan (which
 * reads batch headers only, well over 1 GB/s). Kafka snapshots at segment rolls; 64 MiB keeps the scan short
 * while the snapshot's file creation and rename, each a few ms while the disk is busy, stay rare.
 */
export const SNAPSHOT_EVERY_BYTES = 64 * 1024 * 1024;
/** Producers idle this long are forgotten at the next snapshot (Kafka's producer.id.expiration.ms default). */
export const PRODUCER_EXPIRATION_MS = 24 * 60 * 60 * 1000;
/** Read size of the startup scan. */
const SCAN_CHUNK_BYTES = 1024 * 1024;

export interface PartitionProducersOptions {
  snapshotEveryBytes?: number;
  expirationMs?: number;
  now?: () => number;
}

/**
 * The idempotent-producer state of one partition, kept consistent with its log.
 *
 * Persistence: the state is a function of the log, so the log is the source of truth and the snapshot file
 * (`producer-state.json` in the partition directory) only bounds how much of it is replayed on open. Opening
 * loads the snapshot, cuts it back to the log end if the log lost a tail the snapshot had seen (a crash before
 * fsync; such a snapshot is rewritten at once, so a later crash cannot pair it with different batches at the
 * same offsets), then replays the batch headers from the snapshot offset to the log end. Snapshots are written
 * every SNAPSHOT_EVERY_BYTES of appends, periodically and at shutdown (ProducerSnapshotter), and each is
 * consistent by construction: appends and state updates are one synchronous step, so the state at any moment
 * reflects exactly the batches below the log end offset. Replay reads whole batches but looks only at headers.
 *
 * The snapshots taken every SNAPSHOT_EVERY_BYTES are written in the background: the state is captured at once,
 * but file creation, writing and fdatasync (~13% of the broker's time under a 1 KiB produce load when a snapshot
 * ran on the event loop every 16 MiB) happen on the thread pool; only the rename stays synchronous. Every
 * synchronous snapshot (truncation, shutdown, the periodic round) starts a new generation; a background snapshot
 * from an older generation is discarded instead of renamed over it, so a snapshot taken before a truncation can
 * never replace one taken after.
 *
 * Every append to the log must go through `appended` (Partition.append does); a log truncation (replication,
 * [3/8]) must call `truncateTo`.
 */
export class PartitionProducers {
  private readonly log = logger('producers');
  readonly table = new ProducerStateTable();
  private bytesSinceSnapshot = 0;
  /** True from the moment a background snapshot is due until its file is renamed into place or discarded. */
  private snapshotQueued = false;
  /** Bumped by every synchronous snapshot; see the class comment. */
  private generation = 0;
  /** Settles when the latest background snapshot was renamed into place, discarded or failed (tests wait on it). */
  backgroundSnapshot: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly snapshotEveryBytes: number;
  private readonly expirationMs: number;
  private readonly now: () => number;

  private constructor(
    private readonly partitionLog: PartitionLog,
    private readonly name: string,
    opts: PartitionProducersOptions,
  ) {
    this.snapshotEveryBytes = opts.snapshotEveryBytes ?? SNAPSHOT_EVERY_BYTES;
    this.expirationMs = opts.expirationMs ?? PRODUCER_EXPIRATION_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Rebuilds the state of `log` from its snapshot and the log after it. `name` is for log lines. */
  static open(log: PartitionLog, name: string, opts: PartitionProducersOptions = {}): PartitionProducers {
    const p = new PartitionProducers(log, name, opts);
    p.load();
    return p;
  }

  private load(): void {
    const end = this.partitionLog.logEndOffset;
    let from = this.partitionLog.logStartOffset;
    let rewrite = false;
    try {
      const snap = readProducerSnapshot(this.partitionLog.dir);
      if (snap !== null) {
        this.table.restore(snap.producers);
        if (snap.offset > end) {
          // The log lost batches the snapshot had seen (unflushed tail at a crash): never trust state beyond it.
          this.table.truncateTo(end);
          from = end;
          rewrite = true;
          this.log.warn(
            { partition: this.name, snapshotOffset: snap.offset, logEnd: end },
            'producer snapshot was ahead of the log; cut back to the log end',
          );
        } else {
          from = Math.max(snap.offset, from);
        }
      }
    } catch (e) {
      this.table.restore([]);
      this.log.warn(
        { partition: this.name, err: e },
        'producer state snapshot unreadable; rebuilding from the whole log',
      );
    }
    const replayed = this.replay(from, end);
    // Replayed log counts as change, so the next snapshot round saves this work for the next open.
    if (replayed > 0) this.bytesSinceSnapshot = 1;
    if (replayed > 0 || rewrite)
      this.log.debug(
        { partition: this.name, from, end, batches: replayed, producers: this.table.size },
        'producer state rebuilt',
      );
    if (rewrite) this.snapshot();
  }

  /** Replays the idempotent batches of [from, end) into the table; returns how many batches were read. */
  private replay(from: number, end: number): number {
    const now = this.now();
    let at = from;
    let batches = 0;
    while (at < end) {
      const read = this.partitionLog.read(at, SCAN_CHUNK_BYTES, end);
      const before = at;
      for (const chunk of read.chunks) {
        for (const { header } of batchesIn(chunk)) {
          const last = header.baseOffset + header.lastOffsetDelta;
          batches++;
          if (last < at) continue; // the first batch may start before `from`
          this.table.record(header, header.baseOffset, last, now);
          at = last + 1;
        }
      }
      if (at === before) break; // nothing readable: stop rather than spin
    }
    return batches;
  }

  check(header: BatchHeader): SequenceVerdict {
    return this.table.check(header);
  }

  /** Called right after `batch` was appended at [baseOffset, lastOffset]. */
  appended(batch: Buffer, baseOffset: number, lastOffset: number): void {
    // Negative high word: producerId -1, not idempotent; skip the header parse on the common path.
    if (batch.readInt32BE(PRODUCER_ID) >= 0)
      this.table.record(readBatchHeader(batch, 0), baseOffset, lastOffset, this.now());
    this.bytesSinceSnapshot += batch.length;
    if (this.bytesSinceSnapshot >= this.snapshotEveryBytes && !this.snapshotQueued) {
      this.snapshotQueued = true;
      // Off the append path; the state stays consistent with the log end at whatever moment it runs.
      setImmediate(() => this.snapshotInBackground());
    }
  }

  private snapshotInBackground(): void {
    if (this.closed || !this.changedSinceSnapshot) {
      this.snapshotQueued = false;
      return;
    }
    const generation = this.generation;
    const state = this.capture();
    // Appends from now on count towards the next snapshot; a failed write puts the flag back below.
    this.bytesSinceSnapshot = 0;
    const dir = this.partitionLog.dir;
    this.backgroundSnapshot = writeBackgroundSnapshot(dir, state)
      .then(() => {
        if (this.closed) return;
        if (generation !== this.generation) return discardBackgroundSnapshot(dir);
        publishBackgroundSnapshot(dir);
      })
      .catch((e: unknown) => {
        if (this.closed) return;
        this.bytesSinceSnapshot = Math.max(this.bytesSinceSnapshot, 1);
        this.log.warn(
          { partition: this.name, err: e },
          'could not write the producer state snapshot; a restart will replay more of the log',
        );
      })
      .finally(() => (this.snapshotQueued = false));
  }

  /** The state as of the current log end (expired producers dropped). */
  private capture(): ProducerSnapshot {
    this.table.expire(this.now(), this.expirationMs);
    return { version: 1, offset: this.partitionLog.logEndOffset, producers: [...this.table.entries()] };
  }

  /** Forgets state for batches at or after `offset` after the log was truncated there. */
  truncateTo(offset: number): void {
    this.table.truncateTo(offset);
    this.snapshot();
  }

  get changedSinceSnapshot(): boolean {
    return this.bytesSinceSnapshot > 0;
  }

  snapshotIfChanged(): void {
    // A background snapshot still in flight may never land (shutdown): write the state now instead.
    if (this.changedSinceSnapshot || this.snapshotQueued) this.snapshot();
  }

  /** Writes the state as of the current log end. Failures are logged: the next open just replays more log. */
  snapshot(): void {
    if (this.closed) return;
    this.generation++;
    try {
      writeProducerSnapshot(this.partitionLog.dir, this.capture());
      this.bytesSinceSnapshot = 0;
    } catch (e) {
      this.log.warn(
        { partition: this.name, err: e },
        'could not write the producer state snapshot; a restart will replay more of the log',
      );
    }
  }

  /** The partition is gone (topic deleted): write nothing more. */
  close(): void {
    this.closed = true;
  }
}
