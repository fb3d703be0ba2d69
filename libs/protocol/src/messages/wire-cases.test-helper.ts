import type { Fields, Infer } from '../schema/fields';
import type { MessageDef } from '../schema/message';
import * as m from './index';

// Test-only: one representative request and response per API, expressed three ways: the arguments kafkajs'
// request encoder takes, the value our decoder must produce from those bytes (Kafka JSON field names), and the
// object kafkajs' response decoder must read back from bytes our encoder wrote.

export interface WireCase<Q extends Fields = Fields, R extends Fields = Fields> {
  /** Fixture directory under test/fixtures/wire. */
  readonly api: string;
  /** Directory under kafkajs/src/protocol/requests. */
  readonly kafkajs: string;
  readonly request: MessageDef<Q>;
  readonly response: MessageDef<R>;
  readonly kafkajsArgs: unknown;
  /** What our decoder reads at version v (fields absent in v are projected to their defaults by the test). */
  readonly requestValue: (v: number) => Infer<Q>;
  /** Optional extra assertions on the decoded request (e.g. record batch headers). */
  readonly checkRequest?: (decoded: Infer<Q>, v: number) => void;
  readonly responseValue: Infer<R>;
  /** The object kafkajs' `decode` yields for `r` (already projected to version v); compared with toMatchObject. */
  readonly kafkajsResponse: (r: Infer<R>, v: number) => unknown;
}

function wireCase<Q extends Fields, R extends Fields>(c: WireCase<Q, R>): WireCase {
  return c as unknown as WireCase;
}

/** kafkajs reports newer versions' throttle as client-side (KIP-219) and throttleTime 0. */
function th(ms: number, v: number, clientSideFrom: number): Record<string, number> {
  return v >= clientSideFrom ? { throttleTime: 0, clientSideThrottleTime: ms } : { throttleTime: ms };
}
const when = <T extends object>(cond: boolean, o: T): T | Record<string, never> => (cond ? o : {});
const s = (n: number): string => String(n);

const TS = 1700000000000;
const bytes = (hex: string): Buffer => Buffer.from(hex, 'hex');

export const WIRE_CASES: readonly WireCase[] = [
  wireCase({
    api: 'produce',
    kafkajs: 'produce',
    request: m.ProduceRequest,
    response: m.ProduceResponse,
    kafkajsArgs: {
      acks: -1,
      timeout: 30000,
      transactionalId: 'tx-1',
      topicData: [
        {
          topic: 't1',
          partitions: [{ partition: 2, messages: [{ key: 'k', value: 'hello', timestamp: TS }] }],
        },
      ],
    },
    requestValue: (v) => ({
      transactionalId: v >= 3 ? 'tx-1' : null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't1', partitionData: [{ index: 2, records: expect.any(Buffer) as Buffer }] }],
    }),
    checkRequest: (d, v) => {
      const records = d.topicData[0]!.partitionData[0]!.records as Buffer;
      // Byte 16 is the magic in both the legacy MessageSet (offset, size, crc, magic) and RecordBatch v2.
      expect(records[16]).toBe(v >= 3 ? 2 : v === 2 ? 1 : 0);
      if (v >= 3) expect(records.readInt32BE(57)).toBe(1); // record count
      expect(records.includes(Buffer.from('hello'))).toBe(true);
    },
    responseValue: {
      responses: [
        {
          name: 't1',
          partitionResponses: [
            { index: 2, errorCode: 0, baseOffset: 1234, logAppendTimeMs: TS, logStartOffset: 10 },
          ],
        },
      ],
      throttleTimeMs: 5,
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 1, th(r.throttleTimeMs, v, 6)),
      topics: r.responses.map((t) => ({
        topicName: t.name,
        partitions: t.partitionResponses.map((p) => ({
          partition: p.index,
          errorCode: p.errorCode,
          ...(v >= 3
            ? { baseOffset: s(p.baseOffset), logAppendTime: s(p.logAppendTimeMs) }
            : { offset: s(p.baseOffset), ...when(v >= 2, { timestamp: s(p.logAppendTimeMs) }) }),
          ...when(v >= 5, { logStartOffset: s(p.logStartOffset) }),
        })),
      })),
    }),
  }),

  wireCase({
    api: 'fetch',
    kafkajs: 'fetch',
    request: m.FetchRequest,
    response: m.FetchResponse,
    kafkajsArgs: {
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 10485760,
      rackId: 'rack-a',
      forgottenTopics: [{ topic: 'gone', partitions: [1, 2] }],
      topics: [
        {
          topic: 't1',
          partitions: [
            { partition: 0, currentLeaderEpoch: 3, fetchOffset: 42, logStartOffset: 7, maxBytes: 1048576 },
          ],
        },
      ],
    },
    requestValue: () => ({
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 10485760,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: 't1',
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: 3,
              fetchOffset: 42,
              logStartOffset: 7,
              partitionMaxBytes: 1048576,
            },
          ],
        },
      ],
      forgottenTopicsData: [{ topic: 'gone', partitions: [1, 2] }],
      rackId: 'rack-a',
    }),
    responseValue: {
      throttleTimeMs: 5,
      errorCode: 0,
      sessionId: 9,
      responses: [
        {
          topic: 't1',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 100,
              lastStableOffset: 90,
              logStartOffset: 3,
              abortedTransactions: [{ producerId: 77, firstOffset: 50 }],
              preferredReadReplica: 1,
              records: Buffer.alloc(0),
            },
          ],
        },
      ],
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 1, th(r.throttleTimeMs, v, 8)),
      ...when(v >= 7, { errorCode: r.errorCode, sessionId: r.sessionId }),
      responses: r.responses.map((t) => ({
        topicName: t.topic,
        partitions: t.partitions.map((p) => ({
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          highWatermark: s(p.highWatermark),
          ...when(v >= 4, {
            lastStableOffset: s(p.lastStableOffset),
            abortedTransactions: (p.abortedTransactions ?? []).map((a) => ({
              producerId: s(a.producerId),
              firstOffset: s(a.firstOffset),
            })),
          }),
          ...when(v >= 5, { lastStartOffset: s(p.logStartOffset) }),
          ...when(v >= 11, { preferredReadReplica: p.preferredReadReplica }),
          messages: [],
        })),
      })),
    }),
  }),

  wireCase({
    api: 'list-offsets',
    kafkajs: 'listOffsets',
    request: m.ListOffsetsRequest,
    response: m.ListOffsetsResponse,
    kafkajsArgs: { topics: [{ topic: 't1', partitions: [{ partition: 1, timestamp: -2 }] }] },
    requestValue: () => ({
      replicaId: -1,
      isolationLevel: 1,
      topics: [
        {
          name: 't1',
          partitions: [{ partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: 1 }],
        },
      ],
    }),
    responseValue: {
      throttleTimeMs: 5,
      topics: [
        {
          name: 't1',
          partitions: [
            {
              partitionIndex: 1,
              errorCode: 0,
              oldStyleOffsets: [17],
              timestamp: TS,
              offset: 17,
              leaderEpoch: 0,
            },
          ],
        },
      ],
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 2, th(r.throttleTimeMs, v, 3)),
      responses: r.topics.map((t) => ({
        topic: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          ...(v === 0
            ? { offsets: p.oldStyleOffsets.map(s) }
            : { timestamp: s(p.timestamp), offset: s(p.offset) }),
        })),
      })),
    }),
  }),

  wireCase({
    api: 'metadata',
    kafkajs: 'metadata',
    request: m.MetadataRequest,
    response: m.MetadataResponse,
    kafkajsArgs: { topics: ['t1', 'orders'], allowAutoTopicCreation: false },
    requestValue: () => ({
      topics: [{ name: 't1' }, { name: 'orders' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }),
    responseValue: {
      throttleTimeMs: 5,
      brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: 'rack-a' }],
      clusterId: 'tributary-cluster',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 't1',
          isInternal: false,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: 0,
              replicaNodes: [1],
              isrNodes: [1],
              offlineReplicas: [],
            },
          ],
          topicAuthorizedOperations: -2147483648,
        },
      ],
      clusterAuthorizedOperations: -2147483648,
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 3, th(r.throttleTimeMs, v, 6)),
      brokers: r.brokers.map((b) => ({
        nodeId: b.nodeId,
        host: b.host,
        port: b.port,
        ...when(v >= 1, { rack: b.rack }),
      })),
      ...when(v >= 2, { clusterId: r.clusterId }),
      ...when(v >= 1, { controllerId: r.controllerId }),
      topicMetadata: r.topics.map((t) => ({
        topicErrorCode: t.errorCode,
        topic: t.name,
        ...when(v >= 1, { isInternal: t.isInternal }),
        partitionMetadata: t.partitions.map((p) => ({
          partitionErrorCode: p.errorCode,
          partitionId: p.partitionIndex,
          leader: p.leaderId,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          ...when(v >= 5, { offlineReplicas: p.offlineReplicas }),
        })),
      })),
    }),
  }),

  wireCase({
    api: 'offset-commit',
    kafkajs: 'offsetCommit',
    request: m.OffsetCommitRequest,
    response: m.OffsetCommitResponse,
    kafkajsArgs: {
      groupId: 'g1',
      groupGenerationId: 4,
      memberId: 'member-1',
      retentionTime: 86400000,
      topics: [
        { topic: 't1', partitions: [{ partition: 0, offset: '99', timestamp: TS, metadata: 'meta' }] },
      ],
    },
    requestValue: () => ({
      groupId: 'g1',
      generationId: 4,
      memberId: 'member-1',
      groupInstanceId: null,
      retentionTimeMs: 86400000,
      topics: [
        {
          name: 't1',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 99,
              committedLeaderEpoch: -1,
              commitTimestamp: TS,
              committedMetadata: 'meta',
            },
          ],
        },
      ],
    }),
    responseValue: {
      throttleTimeMs: 5,
      topics: [{ name: 't1', partitions: [{ partitionIndex: 0, errorCode: 0 }] }],
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 3, th(r.throttleTimeMs, v, 4)),
      responses: r.topics.map((t) => ({
        topic: t.name,
        partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, errorCode: p.errorCode })),
      })),
    }),
  }),

  wireCase({
    api: 'offset-fetch',
    kafkajs: 'offsetFetch',
    request: m.OffsetFetchRequest,
    response: m.OffsetFetchResponse,
    kafkajsArgs: {
      groupId: 'g1',
      topics: [{ topic: 't1', partitions: [{ partition: 0 }, { partition: 1 }] }],
    },
    requestValue: () => ({ groupId: 'g1', topics: [{ name: 't1', partitionIndexes: [0, 1] }] }),
    responseValue: {
      throttleTimeMs: 5,
      topics: [
        {
          name: 't1',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 99,
              committedLeaderEpoch: 2,
              metadata: 'meta',
              errorCode: 0,
            },
            { partitionIndex: 1, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
          ],
        },
      ],
      errorCode: 0,
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 3, th(r.throttleTimeMs, v, 4)),
      responses: r.topics.map((t) => ({
        topic: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partitionIndex,
          offset: s(p.committedOffset),
          metadata: p.metadata,
          errorCode: p.errorCode,
        })),
      })),
      ...when(v >= 2, { errorCode: r.errorCode }),
    }),
  }),

  wireCase({
    api: 'find-coordinator',
    kafkajs: 'findCoordinator',
    request: m.FindCoordinatorRequest,
    response: m.FindCoordinatorResponse,
    kafkajsArgs: { groupId: 'g1', coordinatorType: 0 },
    requestValue: () => ({ key: 'g1', keyType: 0 }),
    responseValue: {
      throttleTimeMs: 5,
      errorCode: 0,
      errorMessage: null,
      nodeId: 1,
      host: 'localhost',
      port: 9092,
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 1, th(r.throttleTimeMs, v, 2)),
      errorCode: r.errorCode,
      ...when(v >= 1, { errorMessage: r.errorMessage }),
      coordinator: { nodeId: r.nodeId, host: r.host, port: r.port },
    }),
  }),

  wireCase({
    api: 'join-group',
    kafkajs: 'joinGroup',
    request: m.JoinGroupRequest,
    response: m.JoinGroupResponse,
    kafkajsArgs: {
      groupId: 'g1',
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      memberId: '',
      groupInstanceId: 'instance-1',
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata: bytes('0001000000010002743100000000') }],
    },
    requestValue: () => ({
      groupId: 'g1',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
      memberId: '',
      groupInstanceId: 'instance-1',
      protocolType: 'consumer',
      protocols: [{ name: 'RoundRobinAssigner', metadata: bytes('0001000000010002743100000000') }],
    }),
    responseValue: {
      throttleTimeMs: 5,
      errorCode: 0,
      generationId: 3,
      protocolName: 'RoundRobinAssigner',
      leader: 'member-1',
      memberId: 'member-1',
      members: [{ memberId: 'member-1', groupInstanceId: 'instance-1', metadata: bytes('000100000001') }],
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 2, th(r.throttleTimeMs, v, 3)),
      errorCode: r.errorCode,
      generationId: r.generationId,
      groupProtocol: r.protocolName,
      leaderId: r.leader,
      memberId: r.memberId,
      members: r.members.map((mm) => ({
        memberId: mm.memberId,
        ...when(v >= 5, { groupInstanceId: mm.groupInstanceId }),
        memberMetadata: mm.metadata,
      })),
    }),
  }),

  wireCase({
    api: 'heartbeat',
    kafkajs: 'heartbeat',
    request: m.HeartbeatRequest,
    response: m.HeartbeatResponse,
    kafkajsArgs: { groupId: 'g1', groupGenerationId: 3, memberId: 'member-1', groupInstanceId: 'instance-1' },
    requestValue: () => ({
      groupId: 'g1',
      generationId: 3,
      memberId: 'member-1',
      groupInstanceId: 'instance-1',
    }),
    responseValue: { throttleTimeMs: 5, errorCode: 0 },
    kafkajsResponse: (r, v) => ({ ...when(v >= 1, th(r.throttleTimeMs, v, 2)), errorCode: r.errorCode }),
  }),

  wireCase({
    api: 'leave-group',
    kafkajs: 'leaveGroup',
    request: m.LeaveGroupRequest,
    response: m.LeaveGroupResponse,
    kafkajsArgs: { groupId: 'g1', memberId: 'member-1', groupInstanceId: 'instance-1' },
    requestValue: () => ({
      groupId: 'g1',
      memberId: 'member-1',
      members: [{ memberId: 'member-1', groupInstanceId: 'instance-1' }],
    }),
    responseValue: {
      throttleTimeMs: 5,
      errorCode: 0,
      members: [{ memberId: 'member-1', groupInstanceId: 'instance-1', errorCode: 0 }],
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 1, th(r.throttleTimeMs, v, 2)),
      errorCode: r.errorCode,
      ...when(v >= 3, { members: r.members }),
    }),
  }),

  wireCase({
    api: 'sync-group',
    kafkajs: 'syncGroup',
    request: m.SyncGroupRequest,
    response: m.SyncGroupResponse,
    kafkajsArgs: {
      groupId: 'g1',
      generationId: 3,
      memberId: 'member-1',
      groupInstanceId: 'instance-1',
      groupAssignment: [
        { memberId: 'member-1', memberAssignment: bytes('00010000000100027431000000010000') },
      ],
    },
    requestValue: () => ({
      groupId: 'g1',
      generationId: 3,
      memberId: 'member-1',
      groupInstanceId: 'instance-1',
      assignments: [{ memberId: 'member-1', assignment: bytes('00010000000100027431000000010000') }],
    }),
    responseValue: { throttleTimeMs: 5, errorCode: 0, assignment: bytes('00010000000100027431000000010000') },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 1, th(r.throttleTimeMs, v, 2)),
      errorCode: r.errorCode,
      memberAssignment: r.assignment,
    }),
  }),

  wireCase({
    api: 'describe-groups',
    kafkajs: 'describeGroups',
    request: m.DescribeGroupsRequest,
    response: m.DescribeGroupsResponse,
    kafkajsArgs: { groupIds: ['g1', 'g2'] },
    requestValue: () => ({ groups: ['g1', 'g2'], includeAuthorizedOperations: false }),
    responseValue: {
      throttleTimeMs: 5,
      groups: [
        {
          errorCode: 0,
          groupId: 'g1',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'RoundRobinAssigner',
          members: [
            {
              memberId: 'member-1',
              groupInstanceId: null,
              clientId: 'client-1',
              clientHost: '/127.0.0.1',
              memberMetadata: bytes('0001'),
              memberAssignment: bytes('0002'),
            },
          ],
          authorizedOperations: -2147483648,
        },
      ],
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 1, th(r.throttleTimeMs, v, 2)),
      groups: r.groups.map((g) => ({
        errorCode: g.errorCode,
        groupId: g.groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        members: g.members.map((mm) => ({
          memberId: mm.memberId,
          clientId: mm.clientId,
          clientHost: mm.clientHost,
          memberMetadata: mm.memberMetadata,
          memberAssignment: mm.memberAssignment,
        })),
      })),
    }),
  }),

  wireCase({
    api: 'list-groups',
    kafkajs: 'listGroups',
    request: m.ListGroupsRequest,
    response: m.ListGroupsResponse,
    kafkajsArgs: {},
    requestValue: () => ({}),
    responseValue: { throttleTimeMs: 5, errorCode: 0, groups: [{ groupId: 'g1', protocolType: 'consumer' }] },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 1, th(r.throttleTimeMs, v, 2)),
      errorCode: r.errorCode,
      groups: r.groups,
    }),
  }),

  wireCase({
    api: 'sasl-handshake',
    kafkajs: 'saslHandshake',
    request: m.SaslHandshakeRequest,
    response: m.SaslHandshakeResponse,
    kafkajsArgs: { mechanism: 'PLAIN' },
    requestValue: () => ({ mechanism: 'PLAIN' }),
    responseValue: { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] },
    kafkajsResponse: (r) => ({ errorCode: r.errorCode, enabledMechanisms: r.mechanisms }),
  }),

  wireCase({
    api: 'api-versions',
    kafkajs: 'apiVersions',
    request: m.ApiVersionsRequest,
    response: m.ApiVersionsResponse,
    kafkajsArgs: {},
    requestValue: () => ({}),
    responseValue: {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 0, maxVersion: 7 },
        { apiKey: 18, minVersion: 0, maxVersion: 2 },
      ],
      throttleTimeMs: 5,
    },
    kafkajsResponse: (r, v) => ({
      errorCode: r.errorCode,
      apiVersions: r.apiKeys,
      ...when(v >= 1, th(r.throttleTimeMs, v, 2)),
    }),
  }),

  wireCase({
    api: 'create-topics',
    kafkajs: 'createTopics',
    request: m.CreateTopicsRequest,
    response: m.CreateTopicsResponse,
    kafkajsArgs: {
      timeout: 5000,
      validateOnly: true,
      topics: [
        {
          topic: 'orders',
          numPartitions: 3,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
        { topic: 'manual', replicaAssignment: [{ partition: 0, replicas: [1] }] },
      ],
    },
    requestValue: (v) => ({
      topics: [
        {
          name: 'orders',
          numPartitions: 3,
          replicationFactor: 1,
          assignments: [],
          configs: [{ name: 'cleanup.policy', value: 'compact' }],
        },
        {
          name: 'manual',
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: [1] }],
          configs: [],
        },
      ],
      timeoutMs: 5000,
      validateOnly: v >= 1,
    }),
    responseValue: {
      throttleTimeMs: 5,
      topics: [
        { name: 'manual', errorCode: 0, errorMessage: null },
        { name: 'orders', errorCode: 0, errorMessage: null },
      ],
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 2, th(r.throttleTimeMs, v, 3)),
      topicErrors: r.topics.map((t) => ({
        topic: t.name,
        errorCode: t.errorCode,
        ...when(v >= 1, { errorMessage: t.errorMessage }),
      })),
    }),
  }),

  wireCase({
    api: 'delete-topics',
    kafkajs: 'deleteTopics',
    request: m.DeleteTopicsRequest,
    response: m.DeleteTopicsResponse,
    kafkajsArgs: { topics: ['t1', 't2'], timeout: 5000 },
    requestValue: () => ({ topicNames: ['t1', 't2'], timeoutMs: 5000 }),
    responseValue: {
      throttleTimeMs: 5,
      responses: [
        { name: 't1', errorCode: 0 },
        { name: 't2', errorCode: 0 },
      ],
    },
    kafkajsResponse: (r, v) => ({
      ...when(v >= 1, th(r.throttleTimeMs, v, 1)),
      topicErrors: r.responses.map((t) => ({ topic: t.name, errorCode: t.errorCode })),
    }),
  }),

  wireCase({
    api: 'init-producer-id',
    kafkajs: 'initProducerId',
    request: m.InitProducerIdRequest,
    response: m.InitProducerIdResponse,
    kafkajsArgs: { transactionalId: null, transactionTimeout: 60000 },
    requestValue: () => ({ transactionalId: null, transactionTimeoutMs: 60000 }),
    responseValue: { throttleTimeMs: 5, errorCode: 0, producerId: 4000, producerEpoch: 0 },
    kafkajsResponse: (r, v) => ({
      ...th(r.throttleTimeMs, v, 1),
      errorCode: r.errorCode,
      producerId: s(r.producerId),
      producerEpoch: r.producerEpoch,
    }),
  }),

  wireCase({
    api: 'describe-configs',
    kafkajs: 'describeConfigs',
    request: m.DescribeConfigsRequest,
    response: m.DescribeConfigsResponse,
    kafkajsArgs: {
      includeSynonyms: true,
      resources: [
        { type: 2, name: 't1', configNames: ['retention.ms'] },
        { type: 4, name: '1' },
      ],
    },
    requestValue: (v) => ({
      resources: [
        { resourceType: 2, resourceName: 't1', configurationKeys: ['retention.ms'] },
        // kafkajs sends an empty key list as null, which the spec reads as "every key".
        { resourceType: 4, resourceName: '1', configurationKeys: null },
      ],
      includeSynonyms: v >= 1,
    }),
    responseValue: {
      throttleTimeMs: 5,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 2,
          resourceName: 't1',
          configs: [
            {
              name: 'retention.ms',
              value: '604800000',
              readOnly: false,
              isDefault: true,
              configSource: 5,
              isSensitive: false,
              synonyms: [{ name: 'log.retention.ms', value: '604800000', source: 5 }],
            },
          ],
        },
      ],
    },
    kafkajsResponse: (r, v) => ({
      ...th(r.throttleTimeMs, v, 2),
      resources: r.results.map((res) => ({
        errorCode: res.errorCode,
        errorMessage: res.errorMessage,
        resourceType: res.resourceType,
        resourceName: res.resourceName,
        configEntries: res.configs.map((c) => ({
          configName: c.name,
          configValue: c.value,
          readOnly: c.readOnly,
          isDefault: v === 0 ? c.isDefault : c.configSource === 5,
          isSensitive: c.isSensitive,
          ...when(v >= 1, {
            configSource: c.configSource,
            configSynonyms: c.synonyms.map((y) => ({
              configName: y.name,
              configValue: y.value,
              configSource: y.source,
            })),
          }),
        })),
      })),
    }),
  }),

  wireCase({
    api: 'sasl-authenticate',
    kafkajs: 'saslAuthenticate',
    request: m.SaslAuthenticateRequest,
    response: m.SaslAuthenticateResponse,
    // kafkajs' SASL mechanisms hand over the token already prefixed with its int32 length.
    kafkajsArgs: { authBytes: bytes('0000000c' + Buffer.from('\u0000user\u0000secret').toString('hex')) },
    requestValue: () => ({ authBytes: Buffer.from('\u0000user\u0000secret') }),
    responseValue: { errorCode: 0, errorMessage: null, authBytes: bytes('cafe'), sessionLifetimeMs: 3600000 },
    kafkajsResponse: (r, v) => ({
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      // kafkajs re-prefixes the token with its int32 length for its SASL mechanisms.
      authBytes: Buffer.concat([bytes('00000002'), r.authBytes]),
      ...when(v >= 1, { sessionLifetimeMs: s(r.sessionLifetimeMs) }),
    }),
  }),

  wireCase({
    api: 'create-partitions',
    kafkajs: 'createPartitions',
    request: m.CreatePartitionsRequest,
    response: m.CreatePartitionsResponse,
    kafkajsArgs: {
      timeout: 5000,
      validateOnly: false,
      topicPartitions: [{ topic: 't1', count: 3, assignments: [[1], [1]] }],
    },
    requestValue: () => ({
      topics: [{ name: 't1', count: 3, assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] }],
      timeoutMs: 5000,
      validateOnly: false,
    }),
    responseValue: { throttleTimeMs: 5, results: [{ name: 't1', errorCode: 0, errorMessage: null }] },
    kafkajsResponse: (r, v) => ({
      ...th(r.throttleTimeMs, v, 1),
      topicErrors: r.results.map((t) => ({
        topic: t.name,
        errorCode: t.errorCode,
        errorMessage: t.errorMessage,
      })),
    }),
  }),

  wireCase({
    api: 'delete-groups',
    kafkajs: 'deleteGroups',
    request: m.DeleteGroupsRequest,
    response: m.DeleteGroupsResponse,
    kafkajsArgs: ['g1', 'g2'],
    requestValue: () => ({ groupsNames: ['g1', 'g2'] }),
    responseValue: {
      throttleTimeMs: 5,
      results: [
        { groupId: 'g1', errorCode: 0 },
        { groupId: 'g2', errorCode: 0 },
      ],
    },
    kafkajsResponse: (r) => ({
      // kafkajs' v1 decoder spreads v0's `throttleTimeMs` and looks for a `throttleTime` that is not there.
      throttleTimeMs: r.throttleTimeMs,
      results: r.results,
    }),
  }),
];
