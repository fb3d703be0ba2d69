import { closeSync, fdatasyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_CACHED_BATCHES, type CachedBatch, type ProducerEntry } from './producer-state';

/** Lives in the partition directory, beside the segments; deleted with the partition. */
export const PRODUCER_SNAPSHOT_FILE = 'producer-state.json';

/** The producer state of one partition as of `offset`: it reflects every batch below that log offset. */
export interface ProducerSnapshot {
  version: 1;
  offset: number;
  producers: ProducerEntry[];
}

export function snapshotPath(partitionDir: string): string {
  return join(partitionDir, PRODUCER_SNAPSHOT_FILE);
}

/**
 * Writes the snapshot with write-temp + fdatasync + rename, so a crash leaves the old or the new file. The
 * directory is not fsynced: losing the rename only means starting from the older snapshot and scanning more log.
 */
export function writeProducerSnapshot(partitionDir: string, snapshot: ProducerSnapshot): void {
  const file = snapshotPath(partitionDir);
  const tmp = `${file}.tmp`;
  const bytes = Buffer.from(JSON.stringify(snapshot));
  const fd = openSync(tmp, 'w');
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Temporary file of a background snapshot (writeBackgroundSnapshot); distinct from the synchronous one's. */
function backgroundTmpPath(partitionDir: string): string {
  return `${snapshotPath(partitionDir)}.bg.tmp`;
}

/**
 * The slow half of a background snapshot, on libuv's thread pool: writes and fdatasyncs the serialised
 * snapshot to backgroundTmpPath(). The caller renames it into place (publishBackgroundSnapshot) on the event loop,
 * where it can first check that no newer snapshot was written meanwhile.
 */
export async function writeBackgroundSnapshot(
  partitionDir: string,
  snapshot: ProducerSnapshot,
): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(snapshot));
  const fh = await open(backgroundTmpPath(partitionDir), 'w');
  try {
    await fh.writeFile(bytes);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** Moves a finished background snapshot into place (synchronous, so nothing can run between check and rename). */
export function publishBackgroundSnapshot(partitionDir: string): void {
  renameSync(backgroundTmpPath(partitionDir), snapshotPath(partitionDir));
}

/** Removes a background snapshot that was overtaken; a leftover file is harmless (never read). */
export async function discardBackgroundSnapshot(partitionDir: string): Promise<void> {
  await unlink(backgroundTmpPath(partitionDir)).catch(() => undefined);
}

/** Reads the snapshot; null when there is none. Throws with the reason when the file exists but is unusable. */
export function readProducerSnapshot(partitionDir: string): ProducerSnapshot | null {
  const file = snapshotPath(partitionDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const parsed: unknown = JSON.parse(text);
  const why = invalidSnapshot(parsed);
  if (why !== null) throw new Error(`${file}: ${why}`);
  return parsed as ProducerSnapshot;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function invalidBatch(b: unknown): boolean {
  if (typeof b !== 'object' || b === null) return true;
  const c = b as Partial<CachedBatch>;
  return !isInt(c.firstSeq) || !isInt(c.lastSeq) || !isInt(c.baseOffset) || !isInt(c.lastOffset);
}

function invalidSnapshot(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'not a JSON object';
  const s = v as Partial<ProducerSnapshot>;
  if (s.version !== 1) return `unsupported version ${String(s.version)}`;
  if (!isInt(s.offset) || s.offset < 0) return 'offset is not a non-negative integer';
  if (!Array.isArray(s.producers)) return 'producers is not an array';
  for (const p of s.producers as unknown[]) {
    if (typeof p !== 'object' || p === null) return 'a producer entry is not an object';
    const e = p as Partial<ProducerEntry>;
    if (!isInt(e.producerId) || !isInt(e.epoch) || !isInt(e.lastAppendMs))
      return 'a producer entry lacks id, epoch or time';
    if (!Array.isArray(e.batches) || e.batches.length === 0 || e.batches.length > MAX_CACHED_BATCHES) {
      return `producer ${e.producerId} has ${Array.isArray(e.batches) ? e.batches.length : 'no'} cached batches`;
    }
    if ((e.batches as unknown[]).some(invalidBatch))
      return `producer ${e.producerId} has a malformed cached batch`;
  }
  return null;
}
