import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import {
  ClusterState,
  type ClusterSnapshot,
  type MetadataEntry,
  type StoredClusterSnapshot,
} from '@tributary/cluster';

const LOG = 'metadata.log';
const SNAPSHOT = 'snapshot.json';

export interface RecoveredLog {
  log: MetadataLog;
  state: ClusterState;
  /** Entries replayed from the log after the snapshot, in order. */
  replayed: MetadataEntry[];
  /** Bytes cut from the end of the log: a write torn by a crash. */
  truncatedBytes: number;
}

/**
 * The coordinator's durable metadata log: one line per entry, `<crc32c hex> <json>\n`, appended and
 * fdatasync'ed before the change is acknowledged; plus `snapshot.json` (same line format), written with
 * write-temp + fsync + rename, after which the log restarts empty. Recovery = snapshot + replay of later
 * entries; an incomplete or bad last line is a torn write and is cut off, a bad line followed by good ones is
 * corruption and stops the start.
 */
export class MetadataLog {
  private fd: number;
  private bytes: number;
  private failure: string | null = null;

  private constructor(
    readonly dir: string,
    size: number,
  ) {
    this.fd = openSync(join(dir, LOG), 'a');
    this.bytes = size;
  }

  static open(dir: string): RecoveredLog {
    mkdirSync(dir, { recursive: true });
    // Leftovers of a snapshot or compaction interrupted by a crash; the files they would replace are intact.
    rmSync(join(dir, `${SNAPSHOT}.tmp`), { force: true });
    rmSync(join(dir, `${LOG}.tmp`), { force: true });

    const snapPath = join(dir, SNAPSHOT);
    let state = new ClusterState();
    if (existsSync(snapPath)) {
      const text = readFileSync(snapPath, 'utf8');
      const snap = parseLine(text.endsWith('\n') ? text.slice(0, -1) : text) as StoredClusterSnapshot | null;
      if (!snap) {
        throw new Error(
          `metadata snapshot ${snapPath} fails its checksum; it was written atomically, so the disk or a person changed it. ` +
            'Restore the metadata directory from a backup',
        );
      }
      state = ClusterState.fromSnapshot(snap);
    }

    const logPath = join(dir, LOG);
    const buf = existsSync(logPath) ? readFileSync(logPath) : Buffer.alloc(0);
    const replayed: MetadataEntry[] = [];
    let pos = 0;
    let good = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break; // incomplete last line: torn
      const entry = parseLine(buf.subarray(pos, nl).toString('utf8')) as MetadataEntry | null;
      if (!entry) {
        if (hasValidLineAfter(buf, nl + 1)) {
          throw new Error(
            `metadata log ${logPath} is corrupt at byte ${pos} and valid entries follow; refusing to start rather than lose them. ` +
              'Restore the metadata directory from a backup',
          );
        }
        break;
      }
      // Entries the snapshot already holds remain when a crash came between snapshot and compaction.
      if (entry.offset > state.offset) {
        state.apply(entry);
        replayed.push(entry);
      }
      pos = nl + 1;
      good = pos;
    }
    const truncatedBytes = buf.length - good;
    if (truncatedBytes > 0) {
      const fd = openSync(logPath, 'r+');
      ftruncateSync(fd, good);
      fsyncSync(fd);
      closeSync(fd);
    }
    return { log: new MetadataLog(dir, good), state, replayed, truncatedBytes };
  }

  /** Size of the log file in bytes (entries since the last snapshot). */
  get size(): number {
    return this.bytes;
  }

  /**
   * Appends one entry and returns once it is on disk. After a failed write or sync the log refuses every
   * later append: a retried fsync can report success for data the kernel already dropped, and a partial line
   * must stay the last one so recovery can cut it.
   */
  append(entry: MetadataEntry): void {
    if (this.failure) {
      throw new Error(
        `metadata log ${this.dir} failed earlier (${this.failure}); restart the coordinator to recover it`,
      );
    }
    const line = Buffer.from(formatLine(entry));
    try {
      let off = 0;
      while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
      fdatasyncSync(this.fd);
    } catch (e) {
      this.failure = e instanceof Error ? e.message : String(e);
      throw new Error(`cannot write the metadata log in ${this.dir}: ${this.failure}`);
    }
    this.bytes += line.length;
  }

  /** Makes `snapshot` (the state at its offset, which must be the last appended) durable, then empties the log. */
  snapshot(snapshot: ClusterSnapshot): void {
    writeDurably(join(this.dir, SNAPSHOT), formatLine(snapshot));
    closeSync(this.fd);
    writeDurably(join(this.dir, LOG), '');
    this.fd = openSync(join(this.dir, LOG), 'a');
    this.bytes = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function formatLine(value: unknown): string {
  const json = JSON.stringify(value);
  return `${crc32c(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** The value of one line, or null if it is not a whole line with a matching checksum. */
function parseLine(line: string): unknown {
  const m = /^([0-9a-f]{8}) (.*)$/s.exec(line);
  if (!m || parseInt(m[1]!, 16) !== crc32c(m[2]!)) return null;
  try {
    return JSON.parse(m[2]!);
  } catch {
    return null;
  }
}

function hasValidLineAfter(buf: Buffer, from: number): boolean {
  let pos = from;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) return false;
    if (parseLine(buf.subarray(pos, nl).toString('utf8')) !== null) return true;
    pos = nl + 1;
  }
  return false;
}

/** write-temp + fsync + rename + fsync(dir): a crash leaves the old file or the new one, never a mix. */
function writeDurably(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content);
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  const dirFd = openSync(join(path, '..'), 'r');
  fsyncSync(dirFd);
  closeSync(dirFd);
}
