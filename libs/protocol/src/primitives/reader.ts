import { ProtocolDecodeError } from './decode-error';

const TWO_32 = 4294967296;

/**
 * Bounds-checked big-endian reader over one request frame. Every length read from the wire is checked against
 * the bytes actually present before anything is sliced or allocated, so a lying length can cost at most what
 * arrived.
 */
export class Reader {
  offset: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    readonly end = buf.length,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number, what: string): number {
    const at = this.offset;
    if (n < 0 || at + n > this.end) {
      throw new ProtocolDecodeError(`${what} needs ${n} bytes at offset ${at}, only ${this.end - at} remain`);
    }
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1, 'int8'));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2, 'int16'));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2, 'uint16'));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4, 'int32'));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4, 'uint32'));
  }
  /** int64 as a JS number: offsets, timestamps and producer ids stay below 2^53 (see docs/adr/0002). */
  int64(): number {
    const at = this.need(8, 'int64');
    return this.buf.readInt32BE(at) * TWO_32 + this.buf.readUInt32BE(at + 4);
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8, 'float64'));
  }
  bool(): boolean {
    return this.buf[this.need(1, 'bool')] !== 0;
  }

  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) {
      if (len !== -1) throw new ProtocolDecodeError(`string length ${len} is negative`);
      return null;
    }
    const at = this.need(len, 'string');
    return this.buf.toString('utf8', at, at + len);
  }
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new ProtocolDecodeError('null where a non-nullable string was expected');
    return s;
  }

  /** A view into the frame, not a copy: callers that keep it past the request must copy. */
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len < 0) {
      if (len !== -1) throw new ProtocolDecodeError(`bytes length ${len} is negative`);
      return null;
    }
    const at = this.need(len, 'bytes');
    return this.buf.subarray(at, at + len);
  }
  bytes(): Buffer {
    const b = this.nullableBytes();
    if (b === null) throw new ProtocolDecodeError('null where non-nullable bytes were expected');
    return b;
  }

  /** Array element count; -1 is null. A count larger than the bytes left cannot be honest. */
  arrayLength(): number {
    const n = this.int32();
    if (n < -1) throw new ProtocolDecodeError(`array length ${n} is negative`);
    if (n > this.remaining) {
      throw new ProtocolDecodeError(`array length ${n} exceeds the ${this.remaining} bytes that remain`);
    }
    return n;
  }

  uuid(): string {
    const at = this.need(16, 'uuid');
    return this.buf.toString('hex', at, at + 16);
  }
}
