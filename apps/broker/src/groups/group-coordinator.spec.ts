import { ErrorCode } from '@tributary/protocol';
import { FakeClock } from './fake-clock.test-helper';
import type { JoinResult, SyncResult } from './group';
import { GroupCoordinator, type GroupCoordinatorConfig, type JoinInput } from './group-coordinator';
import { MemoryStore } from './memory-group-store.test-helper';

const CONFIG: GroupCoordinatorConfig = {
  minSessionTimeoutMs: 1000,
  maxSessionTimeoutMs: 60_000,
  initialRebalanceDelayMs: 0,
  offsetsRetentionMs: 60 * 60_000,
  maxMetadataBytes: 100,
};
const SESSION = 10_000;
const REBALANCE = 30_000;

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(config: Partial<GroupCoordinatorConfig> = {}, store = new MemoryStore()) {
  const clock = new FakeClock();
  const logEnds = new Map<string, number>([
    ['t/0', 100],
    ['t/1', 50],
  ]);
  const gc = new GroupCoordinator(
    { ...CONFIG, ...config },
    clock,
    store,
    (t, p) => logEnds.get(`${t}/${p}`) ?? null,
  );
  return { gc, clock, store };
}

function joinReq(over: Partial<JoinInput> = {}): JoinInput {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: REBALANCE,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    clientId: 'c',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: false,
    ...over,
  };
}

/** Tracks a parked JoinGroup/SyncGroup so a test can ask whether it has been answered yet. */
function track<T>(p: Promise<T> | T): { done: () => T | undefined } {
  let value: T | undefined;
  void Promise.resolve(p).then((v) => (value = v));
  return { done: () => value };
}

async function stableGroupOfTwo(gc: GroupCoordinator) {
  const a = track(gc.join(joinReq({ clientId: 'a' })));
  await settle();
  const first = a.done()!;
  const sa = track(
    gc.sync('g', first.generationId, first.memberId, null, [
      { memberId: first.memberId, assignment: Buffer.from('all') },
    ]),
  );
  await settle();
  expect(sa.done()!.errorCode).toBe(ErrorCode.NONE);
  // A second member forces a rebalance; the first learns through its heartbeat and rejoins.
  const b = track(gc.join(joinReq({ clientId: 'b' })));
  expect(gc.heartbeat('g', first.generationId, first.memberId, null)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  const a2 = track(gc.join(joinReq({ memberId: first.memberId, clientId: 'a' })));
  await settle();
  const [ja, jb] = [a2.done()!, b.done()!];
  const syncs = [
    track(gc.sync('g', jb.generationId, jb.memberId, null, [])),
    track(
      gc.sync('g', ja.generationId, ja.memberId, null, [
        { memberId: ja.memberId, assignment: Buffer.from('A') },
        { memberId: jb.memberId, assignment: Buffer.from('B') },
      ]),
    ),
  ];
  await settle();
  return { a: ja, b: jb, syncs: syncs.map((s) => s.done()!) };
}

describe('GroupCoordinator: membership', () => {
  it('asks a v4+ member without an id to rejoin with one, then makes it leader of generation 1', async () => {
    const { gc } = setup();
    const first = (await gc.join(joinReq({ requireKnownMemberId: true }))) as JoinResult;
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^c-/);
    const joined = await gc.join(joinReq({ memberId: first.memberId, requireKnownMemberId: true }));
    expect(joined).toMatchObject({
      errorCode: ErrorCode.NONE,
      generationId: 1,
      protocolName: 'range',
      leader: first.memberId,
      memberId: first.memberId,
    });
    expect(joined.members).toEqual([
      { memberId: first.memberId, groupInstanceId: null, metadata: Buffer.from('sub') },
    ]);
    expect(gc.describe('g').groupState).toBe('CompletingRebalance');
    const sync = await gc.sync('g', 1, first.memberId, null, [
      { memberId: first.memberId, assignment: Buffer.from('p0') },
    ]);
    expect(sync).toEqual({ errorCode: ErrorCode.NONE, assignment: Buffer.from('p0') });
    expect(gc.describe('g')).toMatchObject({
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
    });
  });

  it('rebalances a second member in: both share a generation, only the leader sees the members, followers wait for its assignment', async () => {
    const { gc } = setup();
    const { a, b, syncs } = await stableGroupOfTwo(gc);
    expect(a.generationId).toBe(2);
    expect(b.generationId).toBe(2);
    expect(a.leader).toBe(a.memberId);
    expect(b.leader).toBe(a.memberId);
    expect(a.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect(b.members).toEqual([]);
    expect(syncs.map((s: SyncResult) => s.assignment.toString())).toEqual(['B', 'A']);
    const desc = gc.describe('g');
    expect(desc.groupState).toBe('Stable');
    expect(desc.members.map((m) => [m.clientId, m.memberAssignment.toString()]).sort()).toEqual([
      ['a', 'A'],
      ['b', 'B'],
    ]);
  });

  it('waits the initial rebalance delay so members starting together land in one generation', async () => {
    const { gc, clock } = setup({ initialRebalanceDelayMs: 3000 });
    const a = track(gc.join(joinReq({ clientId: 'a' })));
    clock.advance(2000);
    const b = track(gc.join(joinReq({ clientId: 'b' })));
    clock.advance(2000);
    await settle();
    expect(a.done()).toBeUndefined();
    clock.advance(1000);
    await settle();
    expect(a.done()!.generationId).toBe(1);
    expect(b.done()!.generationId).toBe(1);
    expect(a.done()!.members).toHaveLength(2);
  });

  it('refuses an empty protocol list, a different protocol type and protocols no member shares, and stays usable', async () => {
    const { gc } = setup();
    expect((await gc.join(joinReq({ protocols: [] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const first = await gc.join(joinReq());
    expect(first.errorCode).toBe(ErrorCode.NONE);
    expect((await gc.join(joinReq({ protocolType: 'connect' }))).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    expect(
      (await gc.join(joinReq({ protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }))).errorCode,
    ).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await gc.sync('g', 1, first.memberId, null, [])).errorCode).toBe(ErrorCode.NONE);
    expect(gc.describe('g').groupState).toBe('Stable');
  });

  it('picks the protocol most members prefer among those all support', async () => {
    const { gc } = setup();
    const proto = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
    const a = track(gc.join(joinReq({ protocols: proto('range', 'roundrobin') })));
    await settle();
    await gc.sync('g', 1, a.done()!.memberId, null, []);
    const b = track(gc.join(joinReq({ protocols: proto('roundrobin', 'range') })));
    const c = track(gc.join(joinReq({ protocols: proto('roundrobin', 'sticky', 'range') })));
    track(gc.join(joinReq({ memberId: a.done()!.memberId, protocols: proto('range', 'roundrobin') })));
    await settle();
    expect(b.done()!.protocolName).toBe('roundrobin');
    expect(c.done()!.protocolName).toBe('roundrobin');
  });

  it('removes a member that does not rejoin within the rebalance timeout', async () => {
    const { gc, clock } = setup();
    const { a, b } = await stableGroupOfTwo(gc);
    const rejoin = track(
      gc.join(
        joinReq({ memberId: b.memberId, protocols: [{ name: 'range', metadata: Buffer.from('new') }] }),
      ),
    );
    // a keeps heartbeating but never rejoins.
    for (let t = 5000; t < REBALANCE; t += 5000) {
      clock.advance(5000);
      expect(gc.heartbeat('g', a.generationId, a.memberId, null)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    }
    await settle();
    expect(rejoin.done()).toBeUndefined();
    clock.advance(5000);
    await settle();
    expect(rejoin.done()).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 3, leader: b.memberId });
    expect(gc.heartbeat('g', 3, a.memberId, null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('expires a silent member after its session timeout and hands the group to the others', async () => {
    const { gc, clock } = setup();
    const { a, b } = await stableGroupOfTwo(gc);
    clock.advance(SESSION / 2);
    expect(gc.heartbeat('g', a.generationId, a.memberId, null)).toBe(ErrorCode.NONE);
    clock.advance(SESSION / 2 + 1); // b's session (never renewed) has ended
    expect(gc.describe('g').groupState).toBe('PreparingRebalance');
    expect(gc.heartbeat('g', a.generationId, a.memberId, null)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = await gc.join(joinReq({ memberId: a.memberId }));
    expect(rejoin).toMatchObject({
      errorCode: ErrorCode.NONE,
      generationId: a.generationId + 1,
      leader: a.memberId,
    });
    expect(rejoin.members.map((m) => m.memberId)).toEqual([a.memberId]);
    expect(gc.heartbeat('g', rejoin.generationId, b.memberId, null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('rebalances when a member rejoins with a different subscription', async () => {
    const { gc } = setup();
    const { a, b } = await stableGroupOfTwo(gc);
    const bJoin = track(
      gc.join(
        joinReq({ memberId: b.memberId, protocols: [{ name: 'range', metadata: Buffer.from('topic2') }] }),
      ),
    );
    expect(gc.describe('g').groupState).toBe('PreparingRebalance');
    const aJoin = track(gc.join(joinReq({ memberId: a.memberId })));
    await settle();
    expect(aJoin.done()!.generationId).toBe(3);
    expect(
      aJoin
        .done()!
        .members.find((m) => m.memberId === b.memberId)!
        .metadata.toString(),
    ).toBe('topic2');
    expect(bJoin.done()!.generationId).toBe(3);
  });

  it('answers SyncGroup and Heartbeat errors like Kafka', async () => {
    const { gc } = setup();
    const { a, b } = await stableGroupOfTwo(gc);
    expect((await gc.sync('g', a.generationId, 'nobody', null, [])).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    expect((await gc.sync('g', 99, a.memberId, null, [])).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await gc.sync('other', 1, a.memberId, null, [])).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(gc.heartbeat('g', 99, a.memberId, null)).toBe(ErrorCode.ILLEGAL_GENERATION);
    // A pending SyncGroup is failed when a rebalance starts before the leader assigned.
    track(
      gc.join(joinReq({ memberId: b.memberId, protocols: [{ name: 'range', metadata: Buffer.from('x') }] })),
    );
    expect((await gc.sync('g', a.generationId, a.memberId, null, [])).errorCode).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
  });

  it('LeaveGroup v3 answers each member; the group rebalances and ends up empty', async () => {
    const { gc } = setup();
    const { a, b } = await stableGroupOfTwo(gc);
    const r = gc.leave('g', [
      { memberId: b.memberId, groupInstanceId: null },
      { memberId: 'ghost', groupInstanceId: null },
    ]);
    expect(r.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(gc.describe('g').groupState).toBe('PreparingRebalance');
    expect(gc.leave('g', [{ memberId: a.memberId, groupInstanceId: null }]).members[0]!.errorCode).toBe(
      ErrorCode.NONE,
    );
    expect(gc.describe('g')).toMatchObject({ groupState: 'Empty', members: [] });
  });

  it('static members: a restarted instance takes over its old member id, which is then fenced', async () => {
    const { gc } = setup();
    const j1 = await gc.join(joinReq({ groupInstanceId: 'i1', requireKnownMemberId: true }));
    expect(j1.errorCode).toBe(ErrorCode.NONE); // static members skip MEMBER_ID_REQUIRED
    await gc.sync('g', j1.generationId, j1.memberId, 'i1', [
      { memberId: j1.memberId, assignment: Buffer.from('p') },
    ]);
    const j2 = await gc.join(joinReq({ groupInstanceId: 'i1' }));
    expect(j2).toMatchObject({ errorCode: ErrorCode.NONE, generationId: j1.generationId });
    expect(j2.memberId).not.toBe(j1.memberId);
    expect(gc.describe('g').groupState).toBe('Stable'); // no rebalance
    expect(gc.heartbeat('g', j1.generationId, j1.memberId, 'i1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(gc.heartbeat('g', j1.generationId, j2.memberId, 'i1')).toBe(ErrorCode.NONE);
    expect((await gc.sync('g', j2.generationId, j2.memberId, 'i1', [])).assignment.toString()).toBe('p');
    expect(gc.leave('g', [{ memberId: '', groupInstanceId: 'i1' }]).members[0]!.errorCode).toBe(
      ErrorCode.NONE,
    );
    expect(gc.describe('g').groupState).toBe('Empty');
  });
});

describe('GroupCoordinator: offsets', () => {
  it('validates the committer: unknown generation, unknown member, standalone commits only for empty groups', async () => {
    const { gc } = setup();
    const commit = (generationId: number, memberId: string, group = 'g') =>
      gc.commit({
        groupId: group,
        generationId,
        memberId,
        groupInstanceId: null,
        topics: [
          {
            name: 't',
            partitions: [
              { partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null },
            ],
          },
        ],
      });
    const code = async (p: ReturnType<typeof commit>) => (await p)[0]!.partitions[0]!.errorCode;
    expect(await code(commit(3, 'm', 'nogroup'))).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await code(commit(-1, '', 'standalone'))).toBe(ErrorCode.NONE);
    const { a } = await stableGroupOfTwo(gc);
    expect(await code(commit(a.generationId, 'stranger'))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await code(commit(a.generationId + 7, a.memberId))).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await code(commit(-1, ''))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await code(commit(a.generationId, a.memberId))).toBe(ErrorCode.NONE);
    expect(
      gc
        .fetchOffsets('g', [{ name: 't', partitionIndexes: [0, 1] }])[0]!
        .partitions.map((p) => p.committedOffset),
    ).toEqual([5, -1]);
  });

  it('refuses offsets past the log end, unknown partitions and oversized metadata, and stores the rest', async () => {
    const { gc } = setup();
    const res = await gc.commit({
      groupId: 's',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 100, committedLeaderEpoch: 2, committedMetadata: 'ok' },
            { partitionIndex: 1, committedOffset: 51, committedLeaderEpoch: -1, committedMetadata: null },
            { partitionIndex: 2, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
        {
          name: 'missing',
          partitions: [
            { partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
        {
          name: 't',
          partitions: [
            {
              partitionIndex: 1,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              committedMetadata: 'x'.repeat(101),
            },
          ],
        },
      ],
    });
    expect(res.map((t) => t.partitions.map((p) => p.errorCode))).toEqual([
      [ErrorCode.NONE, ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [ErrorCode.OFFSET_METADATA_TOO_LARGE],
    ]);
    expect(gc.fetchOffsets('s', null)).toEqual([
      {
        name: 't',
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 100,
            committedLeaderEpoch: 2,
            metadata: 'ok',
            errorCode: ErrorCode.NONE,
          },
        ],
      },
    ]);
    expect(gc.list()).toEqual([{ groupId: 's', protocolType: '' }]);
  });

  it('answers a commit that could not be stored with a retriable error and keeps the old offset', async () => {
    const store = new MemoryStore();
    const { gc } = setup({}, store);
    const commit = (offset: number) =>
      gc.commit({
        groupId: 's',
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: 't',
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: offset,
                committedLeaderEpoch: -1,
                committedMetadata: null,
              },
            ],
          },
        ],
      });
    await commit(3);
    store.failing = new Error('disk full');
    expect((await commit(4))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(gc.fetchOffsets('s', null)[0]!.partitions[0]!.committedOffset).toBe(3);
  });

  it('rebuilds offsets and stable groups from the stored records', async () => {
    const store = new MemoryStore();
    const { gc } = setup({}, store);
    const { a, b } = await stableGroupOfTwo(gc);
    await gc.commit({
      groupId: 'g',
      generationId: a.generationId,
      memberId: a.memberId,
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 0, committedMetadata: 'm' },
          ],
        },
      ],
    });
    await gc.commit({
      groupId: 'gone',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    expect((await gc.deleteGroups(['gone']))[0]!.errorCode).toBe(ErrorCode.NONE);
    gc.close();

    const { gc: restarted } = setup({}, new MemoryStore());
    for (const r of store.records) restarted.replay(r.key, r.value);
    restarted.finishLoad();
    expect(restarted.fetchOffsets('g', null)[0]!.partitions[0]).toMatchObject({
      committedOffset: 42,
      metadata: 'm',
    });
    expect(restarted.fetchOffsets('gone', null)).toEqual([]);
    expect(restarted.describe('g')).toMatchObject({ groupState: 'Stable', protocolData: 'range' });
    // Members keep their ids and generation: a live consumer carries on without rejoining.
    expect(restarted.heartbeat('g', a.generationId, b.memberId, null)).toBe(ErrorCode.NONE);
    expect((await restarted.sync('g', a.generationId, b.memberId, null, [])).assignment.toString()).toBe('B');
    restarted.close();
  });

  it('DeleteGroups: only empty groups; offsets expire after retention once a group is empty', async () => {
    const store = new MemoryStore();
    const { gc, clock } = setup({}, store);
    const { a, b } = await stableGroupOfTwo(gc);
    await gc.commit({
      groupId: 'g',
      generationId: a.generationId,
      memberId: a.memberId,
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    expect(await gc.deleteGroups(['g', 'nope'])).toEqual([
      { groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'nope', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    expect(await gc.expireOffsets()).toBe(0); // not empty: offsets are kept however old
    gc.leave('g', [
      { memberId: a.memberId, groupInstanceId: null },
      { memberId: b.memberId, groupInstanceId: null },
    ]);
    clock.advance(CONFIG.offsetsRetentionMs - 1);
    expect(await gc.expireOffsets()).toBe(0);
    clock.advance(1);
    expect(await gc.expireOffsets()).toBe(1);
    expect(gc.fetchOffsets('g', null)).toEqual([]);
    expect(gc.list()).toEqual([]);
    expect(store.records.slice(-2).map((r) => r.value)).toEqual([null, null]); // offset and group tombstones
  });
});
