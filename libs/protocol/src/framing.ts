import { Writer } from './primitives/writer';

export class FrameTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(
      `request of ${size} bytes exceeds socket.request.max.bytes (${max}); raise the limit or send smaller requests`,
    );
  }
}
export class InvalidFrameSizeError extends Error {
  constructor(readonly size: number) {
    super(`request size ${size} is not positive; the stream is not Kafka protocol`);
  }
}

/** Where a frame that arrived in several chunks is assembled (see FrameSplitter). */
export interface FrameBufferSource {
  /** A buffer of at least `size` bytes; the frame is its first `size` bytes. */
  acquire(size: number): Buffer;
}

/**
 * Splits a TCP byte stream into size-prefixed frames. The declared size is checked against `maxFrameBytes`
 * before anything is allocated, and bytes are only concatenated once a whole frame has arrived, so a peer
 * that lies about a length can make us hold at most what it actually sent.
 */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1;

  /**
   * @param source assembles frames that span chunks; without it each gets a fresh buffer. The broker passes a
   *   pool so large Produce frames reuse buffers: a fresh 1 MB buffer per request is external memory, and V8
   *   answers every ~64 MB of it with a full garbage collection.
   */
  constructor(
    private readonly maxFrameBytes: number,
    private readonly source: FrameBufferSource | null = null,
  ) {}

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Feeds bytes; calls `onFrame` for each complete frame (without its size prefix). `assembled` is the buffer the
   * frame was copied into when it spanned chunks (from `source` when given), null when the frame is a view of a
   * received chunk. Throws on a bad size.
   */
  push(data: Buffer, onFrame: (frame: Buffer, assembled: Buffer | null) => void): void {
    this.chunks.push(data);
    this.buffered += data.length;
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) return;
        const size = this.peekInt32();
        if (size <= 0) throw new InvalidFrameSizeError(size);
        if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
        this.need = size;
      }
      if (this.buffered < 4 + this.need) return;
      const size = this.need;
      this.need = -1;
      const first = this.chunks[0]!;
      if (first.length >= 4 + size) {
        // The whole frame is inside one received chunk: hand out a view, copy nothing.
        const rest = first.subarray(4 + size);
        if (rest.length > 0) this.chunks[0] = rest;
        else this.chunks.shift();
        this.buffered -= 4 + size;
        onFrame(first.subarray(4, 4 + size), null);
        continue;
      }
      const target = this.source?.acquire(size) ?? Buffer.allocUnsafe(size);
      this.take(4, null);
      this.take(size, target);
      onFrame(target.subarray(0, size), target);
    }
  }

  /** Removes the first `n` buffered bytes, copying them into `into` when given. */
  private take(n: number, into: Buffer | null): void {
    let done = 0;
    while (done < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - done);
      if (into) c.copy(into, done, 0, k);
      done += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
  }

  private peekInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0]!.readInt32BE(0);
  }
}

/**
 * A size-prefixed request as a client sends it: int32 size, request header v1 (api key, version, correlation
 * id, client id), body. Used by the broker's replica fetchers and by test clients.
 */
export function encodeRequestFrame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: Buffer,
  clientId: string | null,
): Buffer {
  const w = new Writer(64);
  w.int32(0).int16(apiKey).int16(apiVersion).int32(correlationId).nullableString(clientId);
  const head = w.toBuffer();
  head.writeInt32BE(head.length - 4 + body.length, 0);
  return Buffer.concat([head, body]);
}
