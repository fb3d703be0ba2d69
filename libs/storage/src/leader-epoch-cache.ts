// The leader-epoch cache of one partition log (KIP-101/KIP-279): for every leader epoch that wrote to the log,
// the offset of its first record. Followers compare theirs with the leader's (OffsetForLeaderEpoch) to find
// where their logs diverge, instead of trusting a high watermark that may be stale.
import * as fs from 'node:fs';
import { fsyncDirSync, joinPath, writeFileAtomic } from './file-io';

/** Kafka's file name and text format: a version line, a count line, then `<epoch> <startOffset>` lines. */
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';
const FORMAT_VERSION = 0;

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** What OffsetForLeaderEpoch answers: an epoch and where it ends (-1/-1 when undefined). */
export interface EpochEndOffset {
  readonly epoch: number;
  readonly endOffset: number;
}

const MISSING = 'missing';
const UNDEFINED: EpochEndOffset = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };

/**
 * Entries are kept with strictly increasing epochs and start offsets. Every change is written to the
 * checkpoint file before the call returns (temp file + fdatasync + rename + directory fsync), so the file is
 * never behind the log data it describes: epochs change rarely (a new leader), so the cost is off the hot path.
 */
export class LeaderEpochCache {
  private entries: EpochEntry[];

  private constructor(
    private readonly dir: string,
    entries: EpochEntry[],
  ) {
    this.entries = entries;
  }

  get file(): string {
    return joinPath(this.dir, LEADER_EPOCH_CHECKPOINT_FILE);
  }

  /**
   * Loads `<dir>/leader-epoch-checkpoint`. When the file is missing or unreadable, `rebuild` supplies the
   * (epoch, baseOffset) of every batch in offset order and the cache is rebuilt from them and written.
   * `problem` says why a file that was there could not be used (null when it was fine or missing).
   */
  static load(
    dir: string,
    rebuild: (visit: (epoch: number, baseOffset: number) => void) => void,
  ): { cache: LeaderEpochCache; problem: string | null } {
    const read = readEpochCheckpoint(joinPath(dir, LEADER_EPOCH_CHECKPOINT_FILE));
    if ('entries' in read) return { cache: new LeaderEpochCache(dir, read.entries), problem: null };
    const cache = new LeaderEpochCache(dir, []);
    rebuild((epoch, baseOffset) => cache.assignInMemory(epoch, baseOffset));
    // A new, empty log needs no file yet (its first epoch writes one); a corrupt file is always replaced.
    if (cache.entries.length > 0 || read.problem !== MISSING) cache.persist();
    return { cache, problem: read.problem === MISSING ? null : read.problem };
  }

  /** The newest epoch, or -1 when the log has none. */
  get latestEpoch(): number {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? UNDEFINED_EPOCH : last.epoch;
  }

  /** A copy of the entries, oldest first. */
  list(): EpochEntry[] {
    return this.entries.slice();
  }

  /**
   * Records that `epoch` starts at `startOffset` (Kafka's assign): a no-op for the latest epoch; entries that
   * conflict with it (an epoch at least as new, or a start at or after `startOffset`) are removed first.
   * Negative epochs (batches from before leader epochs existed) are ignored. Returns whether anything changed.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (!this.assignInMemory(epoch, startOffset)) return false;
    this.persist();
    return true;
  }

  /**
   * Kafka's endOffsetFor: the largest epoch <= `requested` and the start offset of the next larger epoch,
   * or `logEndOffset` when `requested` is the latest epoch. A request older than every epoch answers with
   * itself and the first epoch's start (the data before it is gone). Undefined (-1/-1) for a negative epoch,
   * an epoch newer than the latest, or an empty cache.
   */
  endOffsetFor(requested: number, logEndOffset: number): EpochEndOffset {
    if (requested < 0 || this.entries.length === 0) return UNDEFINED;
    if (requested === this.latestEpoch) return { epoch: requested, endOffset: logEndOffset };
    const higher = this.entries.findIndex((e) => e.epoch > requested);
    if (higher < 0) return UNDEFINED;
    const nextStart = this.entries[higher]!.startOffset;
    if (higher === 0) return { epoch: requested, endOffset: nextStart };
    return { epoch: this.entries[higher - 1]!.epoch, endOffset: nextStart };
  }

  /** The epoch that wrote `offset` (the last entry starting at or before it), or -1 when unknown. */
  epochForOffset(offset: number): number {
    let found = UNDEFINED_EPOCH;
    for (const e of this.entries) {
      if (e.startOffset > offset) break;
      found = e.epoch;
    }
    return found;
  }

  /** The log was cut back to end at `endOffset`: entries starting at or after it go. */
  truncateFromEnd(endOffset: number): void {
    let keep = this.entries.length;
    while (keep > 0 && this.entries[keep - 1]!.startOffset >= endOffset) keep--;
    if (keep === this.entries.length) return;
    this.entries = this.entries.slice(0, keep);
    this.persist();
  }

  /**
   * The log now starts at `startOffset` (retention, DeleteRecords): entries starting at or before it collapse
   * into one, the epoch that wrote `startOffset`, moved to start there.
   */
  truncateFromStart(startOffset: number): void {
    let covered = 0;
    while (covered < this.entries.length && this.entries[covered]!.startOffset <= startOffset) covered++;
    if (covered === 0) return;
    const first = this.entries[covered - 1]!;
    if (covered === 1 && first.startOffset === startOffset) return;
    this.entries = [{ epoch: first.epoch, startOffset }, ...this.entries.slice(covered)];
    this.persist();
  }

  /** Forgets every epoch (the log was emptied). */
  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.persist();
  }

  private assignInMemory(epoch: number, startOffset: number): boolean {
    if (epoch < 0) return false;
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && last.epoch === epoch && last.startOffset <= startOffset) return false;
    let keep = this.entries.length;
    while (keep > 0) {
      const e = this.entries[keep - 1]!;
      if (e.epoch < epoch && e.startOffset < startOffset) break;
      keep--;
    }
    if (keep < this.entries.length) this.entries = this.entries.slice(0, keep);
    this.entries.push({ epoch, startOffset });
    return true;
  }

  private persist(): void {
    const lines = [String(FORMAT_VERSION), String(this.entries.length)];
    for (const e of this.entries) lines.push(`${e.epoch} ${e.startOffset}`);
    writeFileAtomic(this.file, `${lines.join('\n')}\n`);
    // The rename must survive a crash too: a lost new-epoch entry would misplace a follower's divergence point.
    fsyncDirSync(this.dir);
  }
}

/** Reads and checks a leader-epoch checkpoint; `problem` when it is missing or not a valid one. */
export function readEpochCheckpoint(file: string): { entries: EpochEntry[] } | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { problem: MISSING };
    return { problem: `${file} cannot be read: ${(err as Error).message}` };
  }
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  const bad = (why: string): { problem: string } => ({ problem: `${file} is corrupt (${why})` });
  if (lines[0]?.trim() !== String(FORMAT_VERSION)) return bad(`version line ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || lines.length !== count + 2)
    return bad(`count ${JSON.stringify(lines[1])} does not match ${lines.length - 2} entries`);
  const entries: EpochEntry[] = [];
  for (const line of lines.slice(2)) {
    const parts = line.trim().split(/\s+/);
    const epoch = Number(parts[0]);
    const startOffset = Number(parts[1]);
    if (parts.length !== 2 || !Number.isSafeInteger(epoch) || !Number.isSafeInteger(startOffset))
      return bad(`entry ${JSON.stringify(line)}`);
    const prev = entries[entries.length - 1];
    if (epoch < 0 || startOffset < 0 || (prev && (epoch <= prev.epoch || startOffset <= prev.startOffset)))
      return bad(`entry ${JSON.stringify(line)} does not follow its predecessor`);
    entries.push({ epoch, startOffset });
  }
  return { entries };
}
