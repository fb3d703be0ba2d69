import { logger } from '@tributary/common';
import { ErrorCode, scanBatches } from '@tributary/protocol';
import type { EpochEndOffset, PartitionLog } from '@tributary/storage';
import { PartitionProducers } from '../producers/partition-producers';

type Waiter = () => void;

const log = logger('partitions');

/** What an acks=all produce learns while it waits for the ISR. */
export type ReplicationWait = 'replicated' | 'timeout' | 'not-leader';

interface FollowerProgress {
  /** The follower's log end offset as its last fetch told us; -1 until it fetched in this leadership. */
  leo: number;
  /** Last time the follower's fetch reached our log end offset (ISR shrink after replica.lag.time.max.ms). */
  caughtUpAt: number;
  /** Last fetch at all: a follower that stopped fetching keeps its last offset but not its claim to rejoin. */
  fetchedAt: number;
}

interface HwWaiter {
  offset: number;
  resolve: (r: ReplicationWait) => void;
}

/**
 * One partition hosted by this broker. Single-node (the default): this broker leads it and the high
 * watermark is the log end offset. Cluster mode (`enableReplication`): the broker is its leader or a
 * follower; as leader the high watermark is the minimum log end offset of the ISR (followers report theirs
 * with every fetch), as follower it is what the leader last said. Long-polling fetches park a waiter here
 * and are woken by the next append or high-watermark advance.
 */
export class Partition {
  private waiters: Set<Waiter> | null = null;
  private tail: Promise<void> | null = null;
  /** Idempotent-producer state, rebuilt from the log here on open and updated by every append. */
  readonly producers: PartitionProducers;

  private replicated = false;
  private leading = true;
  private hw = 0;
  /** Follower: the log has not been checked against this leadership's log yet (OffsetForLeaderEpoch). */
  private truncationPending = false;
  private readonly followers = new Map<number, FollowerProgress>();
  private hwWaiters: HwWaiter[] = [];
  /** Cluster view of this partition (cluster mode only). */
  selfId = -1;
  leaderId = -1;
  leaderEpoch = 0;
  partitionEpoch = 0;
  replicas: readonly number[] = [];
  isr: readonly number[] = [];

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: PartitionLog,
  ) {
    this.producers = PartitionProducers.open(log, `${topic}-${index}`);
  }

  /**
   * Cluster mode: leadership comes from metadata. The high watermark starts where the last checkpoint left it
   * (never past the log end), so a restarted leader serves its committed records at once; a divergent tail is
   * found by leader epoch when the partition starts following (see `truncateToLeaderEpoch`).
   */
  enableReplication(selfId: number, checkpointedHighWatermark = 0): void {
    this.replicated = true;
    this.selfId = selfId;
    this.leading = false;
    this.hw = Math.max(0, Math.min(checkpointedHighWatermark, this.log.logEndOffset));
  }

  get isReplicated(): boolean {
    return this.replicated;
  }

  /** Single-node partitions are always led here. */
  get isLeader(): boolean {
    return this.leading;
  }

  get highWatermark(): number {
    return this.replicated ? Math.min(this.hw, this.log.logEndOffset) : this.log.logEndOffset;
  }

  get logEndOffset(): number {
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
    if (this.replicated) this.advanceHighWatermark();
    this.wake();
    return res;
  }

  /**
   * Follower: appends whole batches copied from the leader at their own offsets, keeping producer state in
   * step. A trailing partial batch is ignored (it is fetched again next time). Returns the bytes appended.
   */
  appendReplicated(records: Buffer): number {
    const { batches, validEnd } = scanBatches(records);
    if (batches.length === 0) return 0;
    const whole = validEnd === records.length ? records : records.subarray(0, validEnd);
    this.log.appendAtOffsets(whole);
    for (const b of batches) {
      this.producers.appended(
        whole.subarray(b.start, b.end),
        b.header.baseOffset,
        b.header.baseOffset + b.header.lastOffsetDelta,
      );
    }
    this.wake();
    return validEnd;
  }

  /**
   * Removes everything at and after `offset` from the log and the producer state. At or past the log end only
   * a leader epoch claimed there without data is dropped from the epoch cache.
   */
  truncateTo(offset: number): void {
    const before = this.log.logEndOffset;
    this.log.truncateTo(offset);
    if (this.log.logEndOffset === before) return;
    this.producers.truncateTo(this.log.logEndOffset);
    this.hw = Math.min(this.hw, this.log.logEndOffset);
  }

  /** Follower far behind a leader whose log starts later: restart the log empty at the leader's start. */
  restartAt(offset: number): void {
    this.log.truncateFullyAndStartAt(offset);
    this.producers.truncateTo(offset);
    this.hw = offset;
  }

  /** This broker leads the partition from now on (or still does, with a new ISR). */
  becomeLeader(
    leaderEpoch: number,
    replicas: readonly number[],
    isr: readonly number[],
    partitionEpoch: number,
  ): void {
    const newLeadership = !this.leading || leaderEpoch !== this.leaderEpoch;
    this.leading = true;
    this.leaderId = this.selfId;
    this.leaderEpoch = leaderEpoch;
    this.replicas = replicas;
    this.truncationPending = false;
    this.updateIsr(isr, partitionEpoch);
    if (newLeadership) {
      // Claim the epoch from the log end now: a follower asking where the previous epoch ended learns it
      // ended here, even if the previous leader's longer tail made it to that follower (KIP-101).
      try {
        this.log.assignLeaderEpoch(leaderEpoch);
      } catch (e) {
        // Not fatal to the role change: the first append at this epoch claims it again, or fails and says why.
        log.error(
          { err: (e as Error).message, partition: `${this.topic}-${this.index}`, leaderEpoch },
          'cannot record the new leader epoch in the epoch cache',
        );
      }
      // Followers' progress from an earlier leadership says nothing about this one.
      this.followers.clear();
      const now = Date.now();
      for (const r of replicas)
        if (r !== this.selfId) this.followers.set(r, { leo: -1, caughtUpAt: now, fetchedAt: -1 });
    }
    this.advanceHighWatermark();
  }

  /**
   * This broker follows `leaderId`. On a leader change nothing is cut yet: the replica fetcher first asks the
   * leader where our latest epoch ends (OffsetForLeaderEpoch) and truncates there (`truncateToLeaderEpoch`);
   * cutting to our own high watermark instead could drop acknowledged records it does not cover yet.
   */
  becomeFollower(
    leaderId: number,
    leaderEpoch: number,
    replicas: readonly number[],
    isr: readonly number[],
    partitionEpoch: number,
  ): void {
    const changed = this.leading || leaderEpoch !== this.leaderEpoch || leaderId !== this.leaderId;
    this.leading = false;
    this.leaderId = leaderId;
    this.leaderEpoch = leaderEpoch;
    this.replicas = replicas;
    this.isr = isr;
    this.partitionEpoch = partitionEpoch;
    this.followers.clear();
    if (changed) {
      this.truncationPending = true;
      const waiting = this.hwWaiters;
      this.hwWaiters = [];
      for (const w of waiting) w.resolve('not-leader');
      this.wake();
    }
  }

  /** Follower: true until the log was checked against the current leader's (no fetching before that). */
  get needsTruncation(): boolean {
    return this.truncationPending && !this.leading;
  }

  /** The newest leader epoch in this log (what a follower asks its leader about); -1 when none. */
  get latestLeaderEpoch(): number {
    return this.log.latestLeaderEpoch;
  }

  /** Follower whose log holds no leader epochs (empty): nothing can diverge, fetch from the log end. */
  skipTruncation(): void {
    this.truncationPending = false;
  }

  /**
   * Follower: applies the leader's OffsetForLeaderEpoch answer for `askedEpoch` (our latest), as Kafka's
   * fetcher does (KIP-279). When the leader names an epoch we also have, our log is cut to where that epoch
   * ends on both sides and we are done. When it names an epoch we do not have, we cut to where our own
   * history below it ends and ask again with our (now older) latest epoch. `done` false means: ask again.
   */
  truncateToLeaderEpoch(askedEpoch: number, leader: EpochEndOffset): { truncatedTo: number; done: boolean } {
    const leo = this.log.logEndOffset;
    let to: number;
    let done = true;
    if (leader.endOffset < 0) {
      // The leader knows nothing of the epoch (nor anything older): only the committed part is certain.
      to = this.highWatermark;
    } else if (leader.epoch < 0) {
      to = Math.min(leader.endOffset, leo);
    } else {
      const own = this.log.endOffsetForEpoch(leader.epoch);
      if (own.endOffset < 0) {
        // Our history starts after the leader's answer: its end offset is the best bound there is.
        to = Math.min(leader.endOffset, leo);
      } else if (own.epoch !== leader.epoch) {
        to = Math.min(own.endOffset, leo);
        done = false;
      } else {
        to = Math.min(own.endOffset, leader.endOffset, leo);
      }
    }
    this.truncateTo(to);
    // Each round removes our latest epoch; if it did not (nothing left to compare), stop asking.
    if (!done && this.log.latestLeaderEpoch >= askedEpoch) done = true;
    if (done) this.truncationPending = false;
    return { truncatedTo: this.log.logEndOffset, done };
  }

  /**
   * The error for a request that names the leader epoch it believes current (Fetch v9+, ListOffsets v4+,
   * OffsetForLeaderEpoch v2+); -1 means "not given". Older than ours: the client is behind (FENCED_LEADER_EPOCH);
   * newer: we are (UNKNOWN_LEADER_EPOCH, retriable). Both make clients refresh metadata.
   */
  checkLeaderEpoch(currentLeaderEpoch: number): ErrorCode {
    if (currentLeaderEpoch < 0 || currentLeaderEpoch === this.leaderEpoch) return ErrorCode.NONE;
    return currentLeaderEpoch < this.leaderEpoch
      ? ErrorCode.FENCED_LEADER_EPOCH
      : ErrorCode.UNKNOWN_LEADER_EPOCH;
  }

  /**
   * Leader: where `epoch` ends in this log, for OffsetForLeaderEpoch. The current epoch ends at the log end
   * (a single-node log that has not been written to yet has no cache entry but still answers so).
   */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    if (epoch >= 0 && epoch === this.leaderEpoch) return { epoch, endOffset: this.log.logEndOffset };
    return this.log.endOffsetForEpoch(epoch);
  }

  /** The leader epoch that wrote `offset` (ListOffsets answers it with the offset); -1 when unknown. */
  epochForOffset(offset: number): number {
    return this.log.epochForOffset(offset);
  }

  updateIsr(isr: readonly number[], partitionEpoch: number): void {
    this.isr = isr;
    this.partitionEpoch = partitionEpoch;
    if (this.leading && this.replicated) this.advanceHighWatermark();
  }

  /** Leader: a follower fetched from `fetchOffset`, so everything below it is in its log. */
  followerFetched(nodeId: number, fetchOffset: number, now: number): void {
    const f = this.followers.get(nodeId) ?? { leo: -1, caughtUpAt: now, fetchedAt: now };
    f.leo = fetchOffset;
    f.fetchedAt = now;
    if (fetchOffset >= this.log.logEndOffset) f.caughtUpAt = now;
    this.followers.set(nodeId, f);
    this.advanceHighWatermark();
  }

  /** Follower: the leader's high watermark, as its last fetch response said. */
  setLeaderHighWatermark(hw: number): void {
    this.hw = Math.min(hw, this.log.logEndOffset);
  }

  /** Leader: ISR members that have not caught up for longer than `lagMs`. */
  laggingIsrMembers(now: number, lagMs: number): number[] {
    return this.isr.filter((r) => {
      if (r === this.selfId) return false;
      const f = this.followers.get(r);
      return f !== undefined && now - f.caughtUpAt > lagMs;
    });
  }

  /**
   * Leader: replicas outside the ISR whose log reached the high watermark (Kafka's rule to rejoin) and that
   * fetched within `lagMs`.
   */
  caughtUpOutsiders(now: number, lagMs: number): number[] {
    return this.replicas.filter((r) => {
      if (r === this.selfId || this.isr.includes(r)) return false;
      const f = this.followers.get(r);
      return f !== undefined && f.leo >= 0 && f.leo >= this.hw && now - f.fetchedAt <= lagMs;
    });
  }

  /** Resolves once the high watermark reaches `offset`, leadership is lost, or `timeoutMs` passes. */
  awaitHighWatermark(offset: number, timeoutMs: number): Promise<ReplicationWait> {
    if (!this.leading) return Promise.resolve('not-leader');
    if (this.highWatermark >= offset) return Promise.resolve('replicated');
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.hwWaiters = this.hwWaiters.filter((w) => w !== waiter);
          resolve('timeout');
        },
        Math.max(1, timeoutMs),
      );
      const waiter: HwWaiter = {
        offset,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.hwWaiters.push(waiter);
    });
  }

  /** Leader: HW = min log end offset over the ISR; it never goes back, and waits for followers not yet heard. */
  private advanceHighWatermark(): void {
    if (!this.leading) return;
    let candidate = this.log.logEndOffset;
    for (const r of this.isr) {
      if (r === this.selfId) continue;
      const f = this.followers.get(r);
      if (!f || f.leo < 0) return;
      candidate = Math.min(candidate, f.leo);
    }
    if (candidate <= this.hw) return;
    this.hw = candidate;
    if (this.hwWaiters.length > 0) {
      const still: HwWaiter[] = [];
      for (const w of this.hwWaiters) {
        if (w.offset <= candidate) w.resolve('replicated');
        else still.push(w);
      }
      this.hwWaiters = still;
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    if (w) {
      this.waiters = null;
      for (const wake of w) wake();
    }
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
    const hw = this.hwWaiters;
    this.hwWaiters = [];
    for (const x of hw) x.resolve('not-leader');
  }
}
