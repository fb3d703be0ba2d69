import { Kafka, logLevel } from 'kafkajs';
import {
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  ErrorCode,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  Reader,
  SyncGroupRequest,
  SyncGroupResponse,
  Writer,
  type MessageDef,
  type MessageOf,
} from '@tributary/protocol';
import { RawKafkaClient, startBroker, type BrokerHandle } from '@tributary/testing';

jest.setTimeout(60_000);

/**
 * The group APIs byte for byte, with requests a client library would never send: wrong generations, unknown
 * members, no protocols. Each error must leave the group working for its real members.
 */
describe('group coordinator: protocol edge cases over a raw connection', () => {
  let broker: BrokerHandle;
  let client: RawKafkaClient;
  const topic = 'raw-groups';

  beforeAll(async () => {
    broker = await startBroker({
      config: { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 3 },
    });
    const kafka = new Kafka({
      clientId: 'raw-groups',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();
    client = await RawKafkaClient.connect(broker.port);
  });
  afterAll(async () => {
    client?.destroy();
    await broker?.dispose();
  });

  async function call<Req extends MessageDef, Res extends MessageDef>(
    req: Req,
    res: Res,
    version: number,
    body: MessageOf<Req>,
  ): Promise<MessageOf<Res>> {
    const w = new Writer();
    req.encode(w, version, body);
    const raw = await client.request(req.apiKey, version, w.toBuffer());
    return res.decode(new Reader(raw), version) as MessageOf<Res>;
  }

  const join = (memberId: string, protocols: { name: string; metadata: Buffer }[]) =>
    call(JoinGroupRequest, JoinGroupResponse, 5, {
      groupId: 'raw',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols,
    });

  const commit = (generationId: number, memberId: string, name: string, committedOffset: number) =>
    call(OffsetCommitRequest, OffsetCommitResponse, 7, {
      groupId: 'raw',
      generationId,
      memberId,
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name,
          partitions: [
            {
              partitionIndex: 0,
              committedOffset,
              committedLeaderEpoch: -1,
              commitTimestamp: -1,
              committedMetadata: 'meta',
            },
          ],
        },
      ],
    }).then((r) => r.topics[0]!.partitions[0]!.errorCode);

  it('FindCoordinator names this broker for groups and has no transaction coordinator yet', async () => {
    for (const version of [0, 1, 2]) {
      const r = await call(FindCoordinatorRequest, FindCoordinatorResponse, version, {
        key: 'raw',
        keyType: 0,
      });
      expect(r).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 0, host: '127.0.0.1', port: broker.port });
    }
    const txn = await call(FindCoordinatorRequest, FindCoordinatorResponse, 1, { key: 'tx', keyType: 1 });
    expect(txn.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(txn.errorMessage).toMatch(/transactions/);
  });

  it('rejects bad joins and commits, and the group keeps working after each', async () => {
    const protocols = [{ name: 'range', metadata: Buffer.from('subscription') }];
    expect((await join('', [])).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    const required = await join('', protocols);
    expect(required.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(required.memberId).toMatch(/^raw-test-/);
    const joined = await join(required.memberId, protocols);
    expect(joined).toMatchObject({
      errorCode: ErrorCode.NONE,
      generationId: 1,
      protocolName: 'range',
      leader: required.memberId,
    });
    expect(joined.members).toEqual([
      { memberId: required.memberId, groupInstanceId: null, metadata: Buffer.from('subscription') },
    ]);
    const me = joined.memberId;
    const sync = await call(SyncGroupRequest, SyncGroupResponse, 3, {
      groupId: 'raw',
      generationId: 1,
      memberId: me,
      groupInstanceId: null,
      assignments: [{ memberId: me, assignment: Buffer.from('p0') }],
    });
    expect(sync).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from('p0') });

    expect(await commit(99, me, topic, 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await commit(1, 'not-a-member', topic, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await commit(-1, '', topic, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID); // standalone commit into an active group
    expect(await commit(1, me, topic, 4)).toBe(ErrorCode.OFFSET_OUT_OF_RANGE); // the log ends at 3
    expect(await commit(1, me, 'no-such-topic', 0)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await join(me, [{ name: 'other', metadata: Buffer.alloc(0) }])).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    const hb = await call(HeartbeatRequest, HeartbeatResponse, 3, {
      groupId: 'raw',
      generationId: 99,
      memberId: me,
      groupInstanceId: null,
    });
    expect(hb.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);

    // Still the same stable group with the same member, and a valid commit goes through.
    const ok = await call(HeartbeatRequest, HeartbeatResponse, 3, {
      groupId: 'raw',
      generationId: 1,
      memberId: me,
      groupInstanceId: null,
    });
    expect(ok.errorCode).toBe(ErrorCode.NONE);
    expect(await commit(1, me, topic, 3)).toBe(ErrorCode.NONE);
    const fetched = await call(OffsetFetchRequest, OffsetFetchResponse, 5, { groupId: 'raw', topics: null });
    expect(fetched.errorCode).toBe(ErrorCode.NONE);
    expect(fetched.topics).toEqual([
      {
        name: topic,
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 3,
            committedLeaderEpoch: -1,
            metadata: 'meta',
            errorCode: ErrorCode.NONE,
          },
        ],
      },
    ]);
    const v1 = await call(OffsetFetchRequest, OffsetFetchResponse, 1, {
      groupId: 'raw',
      topics: [{ name: topic, partitionIndexes: [0, 1] }],
    });
    expect(v1.topics[0]!.partitions.map((p) => p.committedOffset)).toEqual([3, -1]);

    const described = await call(DescribeGroupsRequest, DescribeGroupsResponse, 4, {
      groups: ['raw', 'unknown'],
      includeAuthorizedOperations: false,
    });
    expect(described.groups[0]).toMatchObject({
      errorCode: ErrorCode.NONE,
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
    });
    expect(described.groups[0]!.members).toEqual([
      {
        memberId: me,
        groupInstanceId: null,
        clientId: 'raw-test',
        clientHost: '/127.0.0.1',
        memberMetadata: Buffer.from('subscription'),
        memberAssignment: Buffer.from('p0'),
      },
    ]);
    expect(described.groups[1]).toMatchObject({ groupId: 'unknown', groupState: 'Dead', members: [] });
    const listed = await call(ListGroupsRequest, ListGroupsResponse, 2, {});
    expect(listed.groups).toContainEqual({ groupId: 'raw', protocolType: 'consumer' });

    // DeleteGroups refuses a group with members; once it left, the group and its offsets go.
    const del = () =>
      call(DeleteGroupsRequest, DeleteGroupsResponse, 1, { groupsNames: ['raw'] }).then(
        (r) => r.results[0]!.errorCode,
      );
    expect(await del()).toBe(ErrorCode.NON_EMPTY_GROUP);
    const left = await call(LeaveGroupRequest, LeaveGroupResponse, 3, {
      groupId: 'raw',
      memberId: '',
      members: [
        { memberId: me, groupInstanceId: null },
        { memberId: 'ghost', groupInstanceId: null },
      ],
    });
    expect(left.errorCode).toBe(ErrorCode.NONE);
    expect(left.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    const leftV0 = await call(LeaveGroupRequest, LeaveGroupResponse, 0, {
      groupId: 'raw',
      memberId: me,
      members: [],
    });
    expect(leftV0.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await del()).toBe(ErrorCode.NONE);
    expect(await del()).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    const after = await call(OffsetFetchRequest, OffsetFetchResponse, 5, { groupId: 'raw', topics: null });
    expect(after.topics).toEqual([]);
  });

  it('a standalone commit (generation -1) is kept per partition and survives a restart', async () => {
    const r = await call(OffsetCommitRequest, OffsetCommitResponse, 2, {
      groupId: 'standalone',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: topic,
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 2,
              committedLeaderEpoch: -1,
              commitTimestamp: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    });
    expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    client.destroy();
    await broker.kill9();
    await broker.restart();
    client = await RawKafkaClient.connect(broker.port);
    const fetched = await call(OffsetFetchRequest, OffsetFetchResponse, 3, {
      groupId: 'standalone',
      topics: [{ name: topic, partitionIndexes: [0] }],
    });
    expect(fetched.topics[0]!.partitions[0]!.committedOffset).toBe(2);
  });
});
