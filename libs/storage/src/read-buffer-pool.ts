// Reused buffers for Fetch reads and for assembling large requests. Every fresh Buffer is V8 "external memory",
// and each ~64 MB of it makes V8 start a full mark-compact: a fresh 1 MiB buffer per fetch cost 30-45
// mark-compacts per GB consumed, most of the broker's CPU on the fetch path in a profile of kcat consuming. A
// buffer returns to the pool only through release(), which the caller invokes once nothing references its bytes
// (the socket wrote them; the request was handled). A buffer never released is simply garbage-collected, so a
// missed release costs churn, never a reuse of bytes still in use.
import { allocReadBuffer } from './file-io';

export class ReadBufferPool {
  private readonly free: Buffer[] = [];

  /**
   * @param bufferBytes size of every pooled buffer; larger reads allocate their own.
   * @param minBytes reads smaller than this allocate their own, so a small tail read queued on a slow socket
   *   does not pin a whole pooled buffer (memory held stays within bufferBytes / minBytes of the bytes queued).
   * @param maxFree idle buffers kept; the rest are dropped to the garbage collector.
   */
  constructor(
    readonly bufferBytes: number,
    readonly minBytes: number,
    private readonly maxFree: number,
  ) {}

  /** A buffer of at least `size` bytes (aligned: see allocReadBuffer); pooled when the size fits the pool. */
  acquire(size: number): Buffer {
    if (size < this.minBytes || size > this.bufferBytes) return allocReadBuffer(size);
    return this.free.pop() ?? allocReadBuffer(this.bufferBytes);
  }

  /** True if `buf` came from acquire() as a pooled buffer (and may be given back). */
  isPooled(buf: Buffer): boolean {
    return buf.length === this.bufferBytes;
  }

  /** Gives back a pooled buffer whose bytes nothing references any more. Others are ignored. */
  release(buf: Buffer): void {
    // The includes() check makes a double release harmless: one buffer must never be handed out twice.
    if (this.isPooled(buf) && this.free.length < this.maxFree && !this.free.includes(buf))
      this.free.push(buf);
  }

  /** Idle pooled buffers (for tests). */
  get idle(): number {
    return this.free.length;
  }
}
