import { ProtocolDecodeError } from '../primitives/decode-error';

/**
 * Varints as used inside RecordBatch v2 records: little-endian base-128 groups, signed values zig-zag encoded.
 * Reads go through a mutable cursor so a whole batch decodes without allocating per field.
 */
export interface ByteCursor {
  readonly buf: Buffer;
  pos: number;
  /** Exclusive end of the readable region. */
  readonly end: number;
}

export function cursorOf(buf: Buffer, pos = 0, end = buf.length): ByteCursor {
  return { buf, pos, end };
}

const TWO_32 = 4294967296;

function truncated(c: ByteCursor, what: string): ProtocolDecodeError {
  return new ProtocolDecodeError(`${what} at offset ${c.pos} is truncated: the data ends at offset ${c.end}`);
}

/** Unsigned varint, at most 5 bytes, value in [0, 2^32). */
export function readUnsignedVarint(c: ByteCursor): number {
  const { buf, end } = c;
  let pos = c.pos;
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw truncated(c, 'varint');
    const b = buf[pos++]!;
    // Multiplication instead of << keeps the 5th group from overflowing into the sign bit.
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      c.pos = pos;
      return value % TWO_32;
    }
  }
  throw new ProtocolDecodeError(`varint at offset ${c.pos} is longer than 5 bytes; the data is corrupt`);
}

/** Zig-zag signed varint (int32). */
export function readVarint(c: ByteCursor): number {
  const u = readUnsignedVarint(c);
  return (u >>> 1) ^ -(u & 1);
}

/**
 * Zig-zag signed varlong (int64), at most 10 bytes. Returned as a JS number like Reader.int64: exact up to
 * 2^53, which covers timestamp deltas in practice.
 */
export function readVarlong(c: ByteCursor): number {
  const { buf, end } = c;
  let pos = c.pos;
  let u = 0;
  let negative = false;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw truncated(c, 'varlong');
    const b = buf[pos++]!;
    if (i === 0) negative = (b & 1) === 1;
    u += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      c.pos = pos;
      // The sign comes from the first byte: u's low bit is lost once u passes 2^53.
      return negative ? -(u + 1) / 2 : u / 2;
    }
  }
  throw new ProtocolDecodeError(`varlong at offset ${c.pos} is longer than 10 bytes; the data is corrupt`);
}

export function sizeOfUnsignedVarint(value: number): number {
  let v = value >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(((value << 1) ^ (value >> 31)) >>> 0);
}

function zigZag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function sizeOfVarlong(value: number): number {
  let u = zigZag64(value);
  let n = 1;
  while (u >= 128) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

/** Writes an unsigned varint at `at`; returns the offset after it. The caller sized the buffer. */
export function writeUnsignedVarint(buf: Buffer, at: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

export function writeVarint(buf: Buffer, at: number, value: number): number {
  return writeUnsignedVarint(buf, at, ((value << 1) ^ (value >> 31)) >>> 0);
}

export function writeVarlong(buf: Buffer, at: number, value: number): number {
  let u = zigZag64(value);
  while (u >= 128) {
    buf[at++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[at++] = u;
  return at;
}
