import type { SourceRecord } from '@tributary/connect-sdk';

/**
 * The bounded hand-off between the readers (snapshot, WAL stream) and `poll`. Readers await `space()` after
 * pushing, so a full queue pauses the WAL socket (pg-logical-replication's flow control) instead of growing:
 * memory stays bounded however large a transaction is.
 */
export class RecordQueue {
  private items: SourceRecord[] = [];
  private head = 0;
  private closed = false;
  private spaceWaiters: Array<() => void> = [];
  private dataWaiters: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  push(r: SourceRecord): void {
    this.items.push(r);
    this.wake(this.dataWaiters);
  }

  /** Resolves once the queue is below capacity (or closed). */
  space(): Promise<void> {
    if (this.size < this.capacity || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Up to `max` records; waits at most `waitMs` for the first one. */
  async take(max: number, waitMs: number, signals: readonly AbortSignal[]): Promise<SourceRecord[]> {
    if (this.size === 0 && !this.closed && waitMs > 0 && !signals.some((s) => s.aborted)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          for (const s of signals) s.removeEventListener('abort', done);
          this.dataWaiters = this.dataWaiters.filter((w) => w !== done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        for (const s of signals) s.addEventListener('abort', done, { once: true });
        this.dataWaiters.push(done);
      });
      // Woken by the first record: let the readers run on for a turn so the batch is not one record long.
      if (this.size > 0 && this.size < max) await new Promise((r) => setImmediate(r));
    }
    const n = Math.min(max, this.size);
    const out = this.items.slice(this.head, this.head + n);
    this.head += n;
    // Compact now and then rather than shifting per record.
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.size < this.capacity) this.wake(this.spaceWaiters);
    return out;
  }

  /** Wakes every waiter for good (on stop). */
  close(): void {
    this.closed = true;
    this.wake(this.spaceWaiters);
    this.wake(this.dataWaiters);
  }

  /** Drops everything buffered (e.g. before re-reading from a stored position). */
  clear(): void {
    this.items = [];
    this.head = 0;
    this.wake(this.spaceWaiters);
  }

  private wake(list: Array<() => void>): void {
    const ws = list.splice(0);
    for (const w of ws) w();
  }
}
