import type { PartitionLog } from '@tributary/storage';
import { PartitionProducers } from '../producers/partition-producers';

type Waiter = () => void;

/**
 * A partition this broker leads. With one replica the high watermark is the log end offset; replication
 * ([3/8]) moves it to the minimum end offset of the ISR. Long-polling fetches park a waiter here and are
 * woken by the next append.
 */
export class Partition {
  private waiters: Set<Waiter> | null = null;
  private tail: Promise<void> | null = null;
  /** Idempotent-producer state, rebuilt from the log here on open and updated by every append. */
  readonly producers: PartitionProducers;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: PartitionLog,
  ) {
    this.producers = PartitionProducers.open(log, `${topic}-${index}`);
  }

  get highWatermark(): number {
    return this.log.logEndOffset;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  /** Appends one validated batch (patched in place) and wakes fetches waiting on this partition. */
  append(
    batch: Buffer,
    leaderEpoch: number,
  ): { baseOffset: number; lastOffset: number; logAppendTime: number } {
    const res = this.log.append(batch, leaderEpoch);
    this.producers.appended(batch, res.baseOffset, res.lastOffset);
    const w = this.waiters;
    if (w) {
      this.waiters = null;
      for (const wake of w) wake();
    }
    return res;
  }

  /**
   * Runs `write` after every earlier append of this partition, and after `gate` (an async check such as
   * inflating a compressed batch) passes. Without a gate or a queue it runs synchronously: the fast path.
   */
  appendInOrder<T>(
    gate: Promise<number | null> | null,
    write: () => T,
    reject: (errorCode: number) => T,
  ): T | Promise<Awaited<T>> {
    if (gate === null && this.tail === null) return write();
    let result!: T;
    const step = (this.tail ?? Promise.resolve())
      .then(() => gate)
      .then((code) => {
        result = code === null ? write() : reject(code);
      });
    const tail = step.catch(() => undefined);
    this.tail = tail;
    void tail.then(() => {
      if (this.tail === tail) this.tail = null;
    });
    return step.then(() => result as Awaited<T>);
  }

  /** Calls `wake` once, at the next append; returns a function that cancels the wait. */
  onAppend(wake: Waiter): () => void {
    (this.waiters ??= new Set()).add(wake);
    return () => this.waiters?.delete(wake);
  }

  close(): void {
    this.producers.close();
    const w = this.waiters;
    this.waiters = null;
    if (w) for (const wake of w) wake();
  }
}
