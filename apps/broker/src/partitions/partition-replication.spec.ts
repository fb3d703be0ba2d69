import { ErrorCode } from '@tributary/protocol';
import { DEFAULT_LOG_CONFIG, FlushScheduler, PartitionLog } from '@tributary/storage';
import { encodeRecordBatch, makeTempDir, removeDir } from '@tributary/testing';
import { Partition } from './partition';

const batch = (n: number): Buffer =>
  encodeRecordBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: `v${i}` })) });

/** A batch of `n` records as some leader at `epoch` stored it at `baseOffset` (what a follower copies). */
const stored = (baseOffset: number, n: number, epoch: number): Buffer => {
  const b = encodeRecordBatch({
    baseOffset,
    records: Array.from({ length: n }, (_, i) => ({ key: null, value: `e${epoch}-${baseOffset + i}` })),
  });
  b.writeInt32BE(epoch, 12); // partitionLeaderEpoch lies outside the CRC
  return b;
};

/** Everything `from` holds from `offset` on, as a follower's fetch would copy it. */
const copy = (from: Partition, to: Partition, offset = to.logEndOffset): void => {
  const read = from.log.read(offset, 1 << 20);
  if (read.bytes > 0) to.appendReplicated(Buffer.concat(read.chunks));
};

/** What the replica fetcher does before fetching: OffsetForLeaderEpoch rounds until the follower is done. */
const truncateAgainst = (leader: Partition, follower: Partition): number[] => {
  const rounds: number[] = [];
  while (follower.needsTruncation) {
    const asked = follower.latestLeaderEpoch;
    if (asked < 0) {
      follower.skipTruncation();
      break;
    }
    rounds.push(follower.truncateToLeaderEpoch(asked, leader.endOffsetForEpoch(asked)).truncatedTo);
  }
  return rounds;
};

/** Cluster-mode replica state of one partition: high watermark from the ISR, acks=all waits, truncation. */
describe('Partition in cluster mode', () => {
  let dirs: string[];
  let flusher: FlushScheduler;
  const logs: PartitionLog[] = [];
  const open = (selfId: number): Partition => {
    const dir = makeTempDir('partition-repl-');
    dirs.push(dir);
    const log = PartitionLog.open(dir, DEFAULT_LOG_CONFIG, flusher);
    logs.push(log);
    const p = new Partition('t', 0, log);
    p.enableReplication(selfId);
    return p;
  };

  beforeEach(() => {
    dirs = [];
    flusher = new FlushScheduler();
  });
  afterEach(async () => {
    for (const l of logs.splice(0)) await l.close();
    for (const d of dirs) removeDir(d);
  });

  it('moves the high watermark to the lowest log end offset of the ISR', () => {
    const leader = open(1);
    leader.becomeLeader(0, [1, 2, 3], [1, 2, 3], 0);
    leader.append(batch(5), 0);
    expect(leader.highWatermark).toBe(0); // no follower has fetched yet
    leader.followerFetched(2, 5, Date.now());
    expect(leader.highWatermark).toBe(0);
    leader.followerFetched(3, 3, Date.now());
    expect(leader.highWatermark).toBe(3);
    leader.followerFetched(3, 5, Date.now());
    expect(leader.highWatermark).toBe(5);
    // Out of the ISR, a follower no longer holds the high watermark back.
    leader.append(batch(2), 0);
    leader.updateIsr([1, 2], 1);
    leader.followerFetched(2, 7, Date.now());
    expect(leader.highWatermark).toBe(7);
  });

  it('resolves an acks=all wait once the ISR has the batch, and fails it when leadership is lost', async () => {
    const leader = open(1);
    leader.becomeLeader(0, [1, 2], [1, 2], 0);
    const res = leader.append(batch(1), 0);
    const waiting = leader.awaitHighWatermark(res.lastOffset + 1, 10_000);
    leader.followerFetched(2, 1, Date.now());
    await expect(waiting).resolves.toBe('replicated');

    leader.append(batch(1), 0);
    const lost = leader.awaitHighWatermark(2, 10_000);
    leader.becomeFollower(2, 1, [1, 2], [2], 1);
    await expect(lost).resolves.toBe('not-leader');
  });

  it('keeps acknowledged records its stale high watermark does not cover when the leader changes (KIP-101)', () => {
    const leader = open(1);
    leader.becomeLeader(0, [1, 2, 3], [1, 2, 3], 0);
    leader.append(batch(3), 0);
    leader.append(batch(2), 0);
    const f2 = open(2);
    const f3 = open(3);
    for (const f of [f2, f3]) {
      f.becomeFollower(1, 0, [1, 2, 3], [1, 2, 3], 0);
      expect(truncateAgainst(leader, f)).toEqual([]); // empty log: nothing to check
      copy(leader, f);
      f.setLeaderHighWatermark(3); // the fetch that brought 3-4 still said HW 3
      leader.followerFetched(f === f2 ? 2 : 3, 5, Date.now());
    }
    expect(leader.highWatermark).toBe(5); // offsets 3-4 are acknowledged to an acks=all producer
    // The leader dies; node 3 leads at epoch 1. Node 2's HW (3) is stale, yet it must keep 3-4.
    f3.becomeLeader(1, [1, 2, 3], [2, 3], 1);
    f2.becomeFollower(3, 1, [1, 2, 3], [2, 3], 1);
    expect(f2.logEndOffset).toBe(5); // becoming a follower cuts nothing by itself
    expect(f2.needsTruncation).toBe(true);
    expect(truncateAgainst(f3, f2)).toEqual([5]);
    expect(f2.logEndOffset).toBe(5);
    expect(f2.needsTruncation).toBe(false);
    f3.append(batch(1), 1);
    copy(f3, f2);
    expect(f2.log.leaderEpochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 5 },
    ]);
  });

  it('cuts a divergent tail to where the follower`s epoch ends on the new leader', () => {
    const old = open(1);
    old.becomeLeader(0, [1, 2, 3], [1, 2, 3], 0);
    old.append(batch(5), 0);
    const f2 = open(2);
    const f3 = open(3);
    for (const f of [f2, f3]) {
      f.becomeFollower(1, 0, [1, 2, 3], [1, 2, 3], 0);
      copy(old, f);
    }
    // Two more records (acks=1) reach node 2 only, then the old leader dies and node 3 leads at epoch 1.
    old.append(batch(2), 0);
    copy(old, f2);
    expect(f2.logEndOffset).toBe(7);
    f3.becomeLeader(1, [1, 2, 3], [2, 3], 1);
    f3.append(batch(3), 1); // offsets 5-7 at epoch 1: a different history
    f2.becomeFollower(3, 1, [1, 2, 3], [2, 3], 1);
    expect(truncateAgainst(f3, f2)).toEqual([5]);
    copy(f3, f2);
    expect(f2.logEndOffset).toBe(8);
    const values = (p: Partition): Buffer => Buffer.concat(p.log.read(0, 1 << 20).chunks);
    expect(values(f2).equals(values(f3))).toBe(true);
  });

  it('asks again with an older epoch when the leader answers an epoch the follower never had (KIP-279)', () => {
    // Follower: epochs 0 @0 and 2 @10, log end 15. Leader: epochs 0 @0, 1 @8, 3 @12, log end 20.
    const follower = open(2);
    follower.becomeFollower(1, 0, [1, 2], [1, 2], 0);
    // (Both copied epoch 0's batch 0-7 from its leader; only the follower got its batch 8-9.)
    follower.appendReplicated(Buffer.concat([stored(0, 8, 0), stored(8, 2, 0), stored(10, 5, 2)]));
    const leader = open(1);
    leader.becomeFollower(9, 0, [1, 2], [1, 2], 0);
    leader.appendReplicated(Buffer.concat([stored(0, 8, 0), stored(8, 4, 1), stored(12, 8, 3)]));
    leader.becomeLeader(3, [1, 2], [1, 2], 4);
    expect(leader.endOffsetForEpoch(2)).toEqual({ epoch: 1, endOffset: 12 });

    follower.becomeFollower(1, 3, [1, 2], [1], 4);
    // Round 1: the leader names epoch 1, unknown here; our history below it (epoch 0) ends at 10.
    // Round 2: epoch 0 ends at 8 on the leader.
    expect(truncateAgainst(leader, follower)).toEqual([10, 8]);
    expect(follower.log.leaderEpochEntries()).toEqual([{ epoch: 0, startOffset: 0 }]);
    copy(leader, follower);
    expect(follower.log.leaderEpochEntries()).toEqual(leader.log.leaderEpochEntries());
    expect(follower.logEndOffset).toBe(20);
  });

  it('drops an epoch this broker claimed as leader without writing when it follows again', () => {
    const p = open(2);
    p.becomeFollower(1, 0, [1, 2], [1, 2], 0);
    p.appendReplicated(Buffer.concat([stored(0, 3, 0), stored(3, 1, 0)]));
    p.becomeLeader(1, [1, 2], [2], 1); // claims epoch 1 at 4, writes nothing
    expect(p.log.leaderEpochEntries().at(-1)).toEqual({ epoch: 1, startOffset: 4 });
    const leader = open(1);
    leader.becomeFollower(2, 0, [1, 2], [1, 2], 0);
    leader.appendReplicated(Buffer.concat([stored(0, 3, 0), stored(3, 3, 2)]));
    leader.becomeLeader(2, [1, 2], [1], 2);
    p.becomeFollower(1, 2, [1, 2], [1], 2);
    // Asked about epoch 1 the leader says epoch 0 ended at 3: offset 3 goes, and the claim with it.
    expect(truncateAgainst(leader, p)).toEqual([3]);
    expect(p.log.leaderEpochEntries()).toEqual([{ epoch: 0, startOffset: 0 }]);
  });

  it('restores a checkpointed high watermark, bounded by the log end', () => {
    const p = open(1);
    p.append(batch(5), 0);
    const restarted = new Partition('t', 0, p.log);
    restarted.enableReplication(1, 4);
    restarted.becomeLeader(1, [1, 2], [1, 2], 0);
    // Follower 2 has not fetched since the restart: the high watermark does not fall back to 0 meanwhile.
    expect(restarted.highWatermark).toBe(4);
    const beyond = new Partition('t', 0, p.log);
    beyond.enableReplication(1, 99); // saved before a crash lost the unflushed tail
    expect(beyond.highWatermark).toBe(5);
  });

  it('checks a client`s current leader epoch and answers where an epoch ends', () => {
    const p = open(1);
    p.becomeLeader(4, [1, 2], [1, 2], 0);
    p.append(batch(2), 4);
    expect(p.checkLeaderEpoch(-1)).toBe(ErrorCode.NONE);
    expect(p.checkLeaderEpoch(4)).toBe(ErrorCode.NONE);
    expect(p.checkLeaderEpoch(3)).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(p.checkLeaderEpoch(5)).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect(p.endOffsetForEpoch(4)).toEqual({ epoch: 4, endOffset: 2 });
    expect(p.endOffsetForEpoch(2)).toEqual({ epoch: 2, endOffset: 0 });
    expect(p.endOffsetForEpoch(5)).toEqual({ epoch: -1, endOffset: -1 });
    expect(p.endOffsetForEpoch(-1)).toEqual({ epoch: -1, endOffset: -1 });
    // Single node: epoch 0, answered even before the first append gives the log an epoch.
    const single = new Partition(
      's',
      0,
      PartitionLog.open(makeTempDir('partition-single-'), DEFAULT_LOG_CONFIG, flusher),
    );
    logs.push(single.log);
    dirs.push(single.log.dir);
    expect(single.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 0 });
    single.append(batch(3), 0);
    expect(single.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 3 });
    expect(single.epochForOffset(1)).toBe(0);
  });

  it('reports followers that stopped catching up, and caught-up replicas outside the ISR', () => {
    const leader = open(1);
    leader.becomeLeader(0, [1, 2, 3], [1, 2], 0);
    leader.append(batch(1), 0);
    const t0 = Date.now();
    leader.followerFetched(2, 0, t0);
    leader.followerFetched(3, 1, t0);
    expect(leader.laggingIsrMembers(t0 + 20_000, 10_000)).toEqual([2]);
    expect(leader.caughtUpOutsiders(t0 + 1000, 10_000)).toEqual([3]);
    expect(leader.caughtUpOutsiders(t0 + 20_000, 10_000)).toEqual([]);
  });
});
