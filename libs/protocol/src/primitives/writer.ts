const TWO_32 = 4294967296;
/** Buffers at least this large are referenced, not copied, into the output (record batches on Fetch). */
const ZERO_COPY_MIN = 1024;

/**
 * Big-endian writer that emits a list of chunks: small fields go into a growing scratch buffer, large byte
 * fields are appended by reference. The socket writes the chunks with one corked writev, so Fetch responses
 * never copy stored batches into a second buffer.
 */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  private start = 0;
  private readonly chunks: Buffer[] = [];
  private total = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.total + (this.pos - this.start);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.sealScratch();
    this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
    this.pos = 0;
    this.start = 0;
  }

  private sealScratch(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.total += this.pos - this.start;
      this.start = this.pos;
    }
  }

  int8(v: number): this {
    this.ensure(1);
    this.pos = this.buf.writeInt8(v, this.pos);
    return this;
  }
  int16(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
    return this;
  }
  uint16(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v >>> 0, this.pos);
    return this;
  }
  int64(v: number): this {
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * TWO_32, this.pos + 4);
    this.pos += 8;
    return this;
  }
  float64(v: number): this {
    this.ensure(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  nullableString(s: string | null): this {
    if (s === null) return this.int16(-1);
    const len = Buffer.byteLength(s, 'utf8');
    this.ensure(2 + len);
    this.pos = this.buf.writeInt16BE(len, this.pos);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
    return this;
  }
  string(s: string): this {
    return this.nullableString(s);
  }

  /** Appends raw bytes with no length prefix; large ones by reference. */
  raw(b: Buffer): this {
    if (b.length >= ZERO_COPY_MIN) {
      this.sealScratch();
      this.chunks.push(b);
      this.total += b.length;
      return this;
    }
    this.ensure(b.length);
    this.pos += b.copy(this.buf, this.pos);
    return this;
  }

  nullableBytes(b: Buffer | null): this {
    if (b === null) return this.int32(-1);
    return this.int32(b.length).raw(b);
  }
  bytes(b: Buffer): this {
    return this.nullableBytes(b);
  }

  /** Record data as one buffer or as a list of stored batches sent back to back. */
  records(r: Buffer | readonly Buffer[] | null): this {
    if (r === null) return this.int32(-1);
    if (Buffer.isBuffer(r)) return this.nullableBytes(r);
    let len = 0;
    for (const b of r) len += b.length;
    this.int32(len);
    for (const b of r) this.raw(b);
    return this;
  }

  uuid(hex: string): this {
    return this.raw(Buffer.from(hex.padStart(32, '0'), 'hex'));
  }

  /** Reserves an int32 to be patched later (frame length); returns a patch function. */
  reserveInt32(): (value: number) => void {
    this.ensure(4);
    const buf = this.buf;
    const at = this.pos;
    this.pos += 4;
    return (value) => buf.writeInt32BE(value, at);
  }

  finish(): Buffer[] {
    this.sealScratch();
    return this.chunks;
  }

  /** One contiguous buffer; for tests and small messages. */
  toBuffer(): Buffer {
    const chunks = this.finish();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.total);
  }
}
