import { ErrorCode } from '@tributary/protocol';
import { FakeClock } from './fake-clock.test-helper';
import type { JoinResult } from './group';
import { GroupCoordinator, type CommitInput, type JoinInput } from './group-coordinator';
import { NotCoordinatorError } from './group-store';
import { MemoryStore } from './memory-group-store.test-helper';

/*
 * Cluster mode: a group is served by the broker leading its `__consumer_offsets` partition. Two coordinators
 * share one MemoryStore, like two brokers sharing the replicated offsets topic; groups "<name>-<n>" live in
 * partition n.
 */

const SESSION = 10_000;
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function coordinator(store: MemoryStore, clock = new FakeClock()): GroupCoordinator {
  return new GroupCoordinator(
    {
      minSessionTimeoutMs: 1000,
      maxSessionTimeoutMs: 60_000,
      initialRebalanceDelayMs: 0,
      offsetsRetentionMs: 60 * 60_000,
      maxMetadataBytes: 100,
    },
    clock,
    store,
    (topic, p) => (topic === 't' && p < 2 ? 1000 : null),
  );
}

const store = (): MemoryStore => new MemoryStore((g) => Number(g.slice(g.lastIndexOf('-') + 1)));

/** Loads `partition` from what the store holds for it, as GroupLeadership does on a leadership change. */
function lead(gc: GroupCoordinator, s: MemoryStore, partition: number): void {
  const load = gc.beginPartitionLoad(partition);
  for (const r of s.recordsOf(partition)) load.replay(r.key, r.value);
  expect(gc.completePartitionLoad(load)).toBe(true);
}

function joinReq(groupId: string, over: Partial<JoinInput> = {}): JoinInput {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    clientId: 'c',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: false,
    ...over,
  };
}

function commitReq(groupId: string, offset: number, member?: JoinResult): CommitInput {
  return {
    groupId,
    generationId: member?.generationId ?? -1,
    memberId: member?.memberId ?? '',
    groupInstanceId: null,
    topics: [
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: 0, committedMetadata: null },
        ],
      },
    ],
  };
}

const committed = (gc: GroupCoordinator, groupId: string): number | undefined =>
  gc.fetchOffsets(groupId, null)[0]?.partitions[0]?.committedOffset;

/** A one-member group, stable, with its assignment stored. */
async function stableGroup(gc: GroupCoordinator, groupId: string): Promise<JoinResult> {
  const joined = await gc.join(joinReq(groupId));
  const synced = await gc.sync(groupId, joined.generationId, joined.memberId, null, [
    { memberId: joined.memberId, assignment: Buffer.from('A') },
  ]);
  expect(synced.errorCode).toBe(ErrorCode.NONE);
  return joined;
}

describe('GroupCoordinator: groups follow their offsets partition', () => {
  it('answers NOT_COORDINATOR, then COORDINATOR_LOAD_IN_PROGRESS while loading, then serves the group', () => {
    const s = store();
    const gc = coordinator(s);
    expect(gc.groupStatus('g-0')).toBe(ErrorCode.NOT_COORDINATOR);
    const load = gc.beginPartitionLoad(0);
    expect(gc.groupStatus('g-0')).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(gc.loading).toBe(true);
    expect(gc.groupStatus('g-1')).toBe(ErrorCode.NOT_COORDINATOR);
    expect(gc.completePartitionLoad(load)).toBe(true);
    expect(gc.groupStatus('g-0')).toBe(ErrorCode.NONE);
    expect(gc.loading).toBe(false);
    gc.close();
  });

  it('hands a stable group and its committed offsets to the next leader of the partition', async () => {
    const s = store();
    const clock = new FakeClock();
    const a = coordinator(s, clock);
    lead(a, s, 0);
    lead(a, s, 1);
    const member = await stableGroup(a, 'orders-0');
    expect((await a.commit(commitReq('orders-0', 42, member)))[0]!.partitions[0]!.errorCode).toBe(
      ErrorCode.NONE,
    );
    await a.commit(commitReq('audit-1', 7));

    // Partition 0 moves to b; a keeps partition 1.
    a.unloadPartition(0);
    expect(a.groupStatus('orders-0')).toBe(ErrorCode.NOT_COORDINATOR);
    expect(a.fetchOffsets('orders-0', null)).toEqual([]);
    expect(a.list().map((g) => g.groupId)).toEqual(['audit-1']);
    expect(committed(a, 'audit-1')).toBe(7);

    const b = coordinator(s, clock);
    lead(b, s, 0);
    expect(committed(b, 'orders-0')).toBe(42);
    expect(b.describe('orders-0')).toMatchObject({ groupState: 'Stable', protocolData: 'range' });
    // The member carries on at the new coordinator with its id and generation: no rebalance needed.
    expect(b.heartbeat('orders-0', member.generationId, member.memberId, null)).toBe(ErrorCode.NONE);
    expect((await b.commit(commitReq('orders-0', 50, member)))[0]!.partitions[0]!.errorCode).toBe(
      ErrorCode.NONE,
    );
    // And back to a: the commit b acknowledged is there.
    b.unloadPartition(0);
    lead(a, s, 0);
    expect(committed(a, 'orders-0')).toBe(50);
    a.close();
    b.close();
  });

  it('answers members parked in JoinGroup or SyncGroup with NOT_COORDINATOR when the partition moves away', async () => {
    const s = store();
    const clock = new FakeClock();
    const gc = coordinator(s, clock);
    lead(gc, s, 0);
    const first = await stableGroup(gc, 'g-0');
    // A second member starts a rebalance; the first has not rejoined, so the joiner is parked.
    const parked = gc.join(joinReq('g-0', { clientId: 'second' }));
    gc.unloadPartition(0);
    expect((await parked).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(gc.describe('g-0').groupState).toBe('Dead');
    // The dropped group's timers do nothing any more.
    clock.advance(10 * SESSION);
    expect(gc.list()).toEqual([]);
    expect(gc.heartbeat('g-0', first.generationId, first.memberId, null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    gc.close();
  });

  it('keeps a commit finishing after its partition moved away out of the caches', async () => {
    const s = store();
    const gc = coordinator(s);
    lead(gc, s, 1);
    await gc.commit(commitReq('c-1', 5));
    s.held = [];
    const pending = gc.commit(commitReq('c-1', 6));
    await settle();
    gc.unloadPartition(1);
    s.release();
    // The write is durable, so the commit is acknowledged; only the next leader's load may show it.
    expect((await pending)[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(gc.fetchOffsets('c-1', null)).toEqual([]);
    lead(gc, s, 1);
    expect(committed(gc, 'c-1')).toBe(6);
    gc.close();
  });

  it('answers NOT_COORDINATOR when the store says leadership was lost during the write', async () => {
    const s = store();
    const gc = coordinator(s);
    lead(gc, s, 0);
    s.failing = new NotCoordinatorError('this broker no longer leads the partition');
    expect((await gc.commit(commitReq('x-0', 1)))[0]!.partitions[0]!.errorCode).toBe(
      ErrorCode.NOT_COORDINATOR,
    );
    gc.close();
  });

  it('drops a load that was superseded by an unload or a newer load', () => {
    const s = store();
    const gc = coordinator(s);
    const stale = gc.beginPartitionLoad(0);
    gc.unloadPartition(0);
    expect(gc.completePartitionLoad(stale)).toBe(false);
    expect(gc.groupStatus('g-0')).toBe(ErrorCode.NOT_COORDINATOR);
    const older = gc.beginPartitionLoad(0);
    const newer = gc.beginPartitionLoad(0);
    expect(gc.isLoading(older)).toBe(false);
    expect(gc.completePartitionLoad(older)).toBe(false);
    expect(gc.groupStatus('g-0')).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(gc.completePartitionLoad(newer)).toBe(true);
    expect(gc.groupStatus('g-0')).toBe(ErrorCode.NONE);
    gc.close();
  });

  it('single node: finishLoad owns every group, whatever its partition', () => {
    const s = store();
    const gc = coordinator(s);
    gc.finishLoad();
    expect(gc.groupStatus('g-0')).toBe(ErrorCode.NONE);
    expect(gc.groupStatus('g-7')).toBe(ErrorCode.NONE);
    gc.close();
  });
});
