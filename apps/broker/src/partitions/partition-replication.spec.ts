import { DEFAULT_LOG_CONFIG, FlushScheduler, PartitionLog } from '@tributary/storage';
import { encodeRecordBatch, makeTempDir, removeDir } from '@tributary/testing';
import { Partition } from './partition';

const batch = (n: number): Buffer =>
  encodeRecordBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: `v${i}` })) });

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

  it('copies batches at the leader offsets and truncates to the high watermark on a leader change', () => {
    const leader = open(1);
    leader.becomeLeader(0, [1, 2], [1, 2], 0);
    leader.append(batch(3), 0);
    leader.append(batch(2), 0);
    const follower = open(2);
    follower.becomeFollower(1, 0, [1, 2], [1, 2], 0);
    const read = leader.log.read(0, 1 << 20);
    follower.appendReplicated(Buffer.concat(read.chunks));
    expect(follower.logEndOffset).toBe(5);
    follower.setLeaderHighWatermark(3);
    expect(follower.highWatermark).toBe(3);
    // A new leader may not have offsets 3-4: the follower cuts back to what was committed.
    follower.becomeFollower(3, 1, [1, 2, 3], [2, 3], 1);
    expect(follower.logEndOffset).toBe(3);
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
