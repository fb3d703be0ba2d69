// Sparse time index of one segment: (max timestamp so far i64 BE, relative offset u32 BE), timestamps increasing.
// An entry (T, r) promises that no batch before relative offset r has a max timestamp above T.
import * as fs from 'node:fs';
import { readInt64, writeInt64 } from './batch-bytes';
import { writeFileAtomic } from './file-io';

export const TIME_INDEX_ENTRY_SIZE = 12;

export class TimeIndex {
  private ts = new Float64Array(16);
  private rel = new Uint32Array(16);
  private count = 0;

  get entries(): number {
    return this.count;
  }

  lastTimestamp(): number {
    return this.count === 0 ? -1 : this.ts[this.count - 1]!;
  }

  /** Adds an entry if `timestamp` is above the last one (the index stays strictly increasing). */
  maybeAppend(timestamp: number, relativeOffset: number): void {
    if (timestamp <= this.lastTimestamp()) return;
    if (this.count === this.ts.length) {
      const ts = new Float64Array(this.count * 2);
      const rel = new Uint32Array(this.count * 2);
      ts.set(this.ts);
      rel.set(this.rel);
      this.ts = ts;
      this.rel = rel;
    }
    this.ts[this.count] = timestamp;
    this.rel[this.count] = relativeOffset;
    this.count++;
  }

  /** Relative offset to start scanning from for the first batch with max timestamp >= `timestamp`. */
  scanStartFor(timestamp: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.rel[found]!;
  }

  clear(): void {
    this.count = 0;
  }

  save(file: string): void {
    const buf = Buffer.allocUnsafe(this.count * TIME_INDEX_ENTRY_SIZE);
    for (let i = 0; i < this.count; i++) {
      writeInt64(buf, i * TIME_INDEX_ENTRY_SIZE, this.ts[i]!);
      buf.writeUInt32BE(this.rel[i]!, i * TIME_INDEX_ENTRY_SIZE + 8);
    }
    writeFileAtomic(file, buf);
  }

  static load(file: string): TimeIndex | null {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (buf.length % TIME_INDEX_ENTRY_SIZE !== 0) return null;
    const index = new TimeIndex();
    for (let at = 0; at < buf.length; at += TIME_INDEX_ENTRY_SIZE) {
      const ts = readInt64(buf, at);
      if (ts <= index.lastTimestamp()) return null;
      index.maybeAppend(ts, buf.readUInt32BE(at + 8));
    }
    return index;
  }
}
