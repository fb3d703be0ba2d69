import { Writer } from './primitives/writer';

/**
 * Splits a TCP byte stream into size-prefixed frames. The declared size is checked against `maxFrameBytes`
 * before anything is allocated, and bytes are only concatenated once a whole frame has arrived, so a peer
 * that lies about a length can make us hold at most what it actually sent.
 */
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

export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Feeds bytes; calls `onFrame` for each complete frame (without its size prefix). Throws on a bad size. */
  push(data: Buffer, onFrame: (frame: Buffer) => void): void {
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
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      const end = 4 + this.need;
      const frame = all.subarray(4, end);
      const rest = all.subarray(end);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.need = -1;
      onFrame(frame);
    }
  }

  private peekInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.concat(this.chunks, this.buffered).subarray(0, 4);
    this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return head.readInt32BE(0);
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
