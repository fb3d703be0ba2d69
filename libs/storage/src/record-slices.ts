// Just enough record parsing for compaction: where each record starts and ends, its offset delta, key and whether
// it is a tombstone. Kept records are copied as raw byte ranges, so their offset/timestamp deltas survive untouched.
import { cursorOf, readVarint, readVarlong } from '@tributary/protocol/records/varint';

export interface RecordSlice {
  /** Start of the record including its length prefix. */
  start: number;
  end: number;
  offsetDelta: number;
  /** The key bytes as a latin1 string (a byte-exact map key), or null for a null key. */
  key: string | null;
  tombstone: boolean;
}

/** Slices the `count` records of an uncompressed records section `body`; `where` names the batch in errors. */
export function sliceRecords(body: Buffer, count: number, where: string): RecordSlice[] {
  const slices: RecordSlice[] = [];
  const c = cursorOf(body, 0, body.length);
  for (let i = 0; i < count; i++) {
    const start = c.pos;
    const length = readVarint(c);
    const end = c.pos + length;
    if (length < 6 || end > body.length) {
      throw new Error(
        `${where}: record ${i} declares ${length} bytes, past the end of the batch; the segment is corrupt`,
      );
    }
    const inner = cursorOf(body, c.pos + 1, end); // +1: the record attributes byte
    readVarlong(inner); // timestampDelta
    const offsetDelta = readVarint(inner);
    const keyLength = readVarint(inner);
    let key: string | null = null;
    if (keyLength >= 0) {
      key = body.toString('latin1', inner.pos, inner.pos + keyLength);
      inner.pos += keyLength;
    }
    const valueLength = readVarint(inner);
    slices.push({ start, end, offsetDelta, key, tombstone: valueLength < 0 });
    c.pos = end;
  }
  return slices;
}
