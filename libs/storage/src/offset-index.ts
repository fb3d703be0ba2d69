// Sparse offset index of one segment, kept in memory and written to `.index` when the segment stops being active.
// File format: entries of (relative offset u32 BE, file position u32 BE), both increasing.
import * as fs from 'node:fs';
import { writeFileAtomic } from './file-io';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export class OffsetIndex {
  private rel = new Uint32Array(16);
  private pos = new Uint32Array(16);
  private count = 0;

  get entries(): number {
    return this.count;
  }

  append(relativeOffset: number, position: number): void {
    if (this.count === this.rel.length) {
      const rel = new Uint32Array(this.count * 2);
      const pos = new Uint32Array(this.count * 2);
      rel.set(this.rel);
      pos.set(this.pos);
      this.rel = rel;
      this.pos = pos;
    }
    this.rel[this.count] = relativeOffset;
    this.pos[this.count] = position;
    this.count++;
  }

  /** File position of the last indexed batch whose relative base offset is <= `relativeOffset` (0 if none). */
  lookup(relativeOffset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rel[mid]! <= relativeOffset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.pos[found]!;
  }

  lastPosition(): number {
    return this.count === 0 ? 0 : this.pos[this.count - 1]!;
  }

  clear(): void {
    this.count = 0;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.count * OFFSET_INDEX_ENTRY_SIZE);
    for (let i = 0; i < this.count; i++) {
      buf.writeUInt32BE(this.rel[i]!, i * 8);
      buf.writeUInt32BE(this.pos[i]!, i * 8 + 4);
    }
    return buf;
  }

  save(file: string): void {
    writeFileAtomic(file, this.toBuffer());
  }

  /** Loads `file`, or returns null when it is missing or not a plausible index for a log of `logSize` bytes. */
  static load(file: string, logSize: number): OffsetIndex | null {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (buf.length % OFFSET_INDEX_ENTRY_SIZE !== 0) return null;
    const index = new OffsetIndex();
    let prevRel = -1;
    let prevPos = -1;
    for (let at = 0; at < buf.length; at += OFFSET_INDEX_ENTRY_SIZE) {
      const rel = buf.readUInt32BE(at);
      const pos = buf.readUInt32BE(at + 4);
      if (rel <= prevRel || pos <= prevPos || pos >= logSize) return null;
      index.append(rel, pos);
      prevRel = rel;
      prevPos = pos;
    }
    return index;
  }
}
