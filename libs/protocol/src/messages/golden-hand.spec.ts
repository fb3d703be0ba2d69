import { Reader } from '../primitives/reader';
import { Writer } from '../primitives/writer';
import type { Fields } from '../schema/fields';
import type { MessageDef } from '../schema/message';
import { project } from './arbitrary-message.test-helper';
import * as m from './index';
import { readFixture, type FixtureKind } from './wire-fixtures.test-helper';

// Golden bytes for versions kafkajs cannot encode: the fixtures are annotated hex written by hand from the
// protocol guide, so they check our tables against the spec rather than against our own encoder.

interface HandCase {
  readonly api: string;
  readonly def: MessageDef;
  readonly kind: FixtureKind;
  readonly versions: readonly number[];
  readonly value: Record<string, unknown>;
}

const hand = (
  api: string,
  def: MessageDef,
  kind: FixtureKind,
  versions: number[],
  value: object,
): HandCase => ({
  api,
  def: def as unknown as MessageDef,
  kind,
  versions,
  value: value as Record<string, unknown>,
});

const metadataResponse = {
  throttleTimeMs: 0,
  brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
  clusterId: 'c1',
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
          leaderEpoch: 5,
          replicaNodes: [1],
          isrNodes: [1],
          offlineReplicas: [],
        },
      ],
      topicAuthorizedOperations: 0xf8,
    },
  ],
  clusterAuthorizedOperations: -2147483648,
};

const CASES: readonly HandCase[] = [
  hand('offset-commit', m.OffsetCommitRequest, 'request', [6], {
    groupId: 'g1',
    generationId: 4,
    memberId: 'member-1',
    topics: [
      {
        name: 't1',
        partitions: [
          { partitionIndex: 0, committedOffset: 99, committedLeaderEpoch: 2, committedMetadata: 'meta' },
        ],
      },
    ],
  }),
  hand('offset-commit', m.OffsetCommitRequest, 'request', [7], {
    groupId: 'g1',
    generationId: 4,
    memberId: 'member-1',
    groupInstanceId: 'instance-1',
    topics: [
      {
        name: 't1',
        partitions: [
          { partitionIndex: 0, committedOffset: 99, committedLeaderEpoch: 2, committedMetadata: 'meta' },
        ],
      },
    ],
  }),
  hand('offset-commit', m.OffsetCommitResponse, 'response', [6, 7], {
    throttleTimeMs: 5,
    topics: [{ name: 't1', partitions: [{ partitionIndex: 0, errorCode: 0 }] }],
  }),
  hand('offset-fetch', m.OffsetFetchRequest, 'request', [0], {
    groupId: 'g1',
    topics: [{ name: 't1', partitionIndexes: [0, 1] }],
  }),
  hand('offset-fetch', m.OffsetFetchResponse, 'response', [0], {
    topics: [
      { name: 't1', partitions: [{ partitionIndex: 0, committedOffset: 99, metadata: '', errorCode: 0 }] },
    ],
  }),
  hand('offset-fetch', m.OffsetFetchRequest, 'request', [5], { groupId: 'g1', topics: null }),
  hand('offset-fetch', m.OffsetFetchResponse, 'response', [5], {
    throttleTimeMs: 5,
    topics: [
      {
        name: 't1',
        partitions: [
          { partitionIndex: 0, committedOffset: 99, committedLeaderEpoch: 2, metadata: null, errorCode: 0 },
        ],
      },
    ],
    errorCode: 0,
  }),
  hand('create-topics', m.CreateTopicsRequest, 'request', [4], {
    topics: [
      {
        name: 'orders',
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [],
        configs: [{ name: 'cleanup.policy', value: null }],
      },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  }),
  hand('create-topics', m.CreateTopicsResponse, 'response', [4], {
    throttleTimeMs: 0,
    topics: [{ name: 'orders', errorCode: 36, errorMessage: 'exists' }],
  }),
  hand('delete-topics', m.DeleteTopicsRequest, 'request', [2, 3], {
    topicNames: ['t1', 't2'],
    timeoutMs: 5000,
  }),
  hand('delete-topics', m.DeleteTopicsResponse, 'response', [2, 3], {
    throttleTimeMs: 5,
    responses: [{ name: 't1', errorCode: 3 }],
  }),
  hand('metadata', m.MetadataRequest, 'request', [7], {
    topics: [{ name: 't1' }],
    allowAutoTopicCreation: false,
  }),
  hand('metadata', m.MetadataRequest, 'request', [8], {
    topics: null,
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: true,
    includeTopicAuthorizedOperations: false,
  }),
  hand('metadata', m.MetadataResponse, 'response', [7, 8], metadataResponse),
  hand('list-offsets', m.ListOffsetsRequest, 'request', [4, 5], {
    replicaId: -1,
    isolationLevel: 1,
    topics: [{ name: 't1', partitions: [{ partitionIndex: 0, currentLeaderEpoch: 5, timestamp: -1 }] }],
  }),
  hand('list-offsets', m.ListOffsetsResponse, 'response', [4, 5], {
    throttleTimeMs: 0,
    topics: [
      {
        name: 't1',
        partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1, offset: 42, leaderEpoch: 5 }],
      },
    ],
  }),
  hand('describe-groups', m.DescribeGroupsRequest, 'request', [3, 4], {
    groups: ['g1'],
    includeAuthorizedOperations: true,
  }),
  hand('describe-groups', m.DescribeGroupsResponse, 'response', [3, 4], {
    throttleTimeMs: 0,
    groups: [
      {
        errorCode: 0,
        groupId: 'g1',
        groupState: 'Stable',
        protocolType: 'consumer',
        protocolData: 'range',
        members: [
          {
            memberId: 'member-1',
            groupInstanceId: 'instance-1',
            clientId: 'c',
            clientHost: '/h',
            memberMetadata: Buffer.from([0xaa]),
            memberAssignment: Buffer.alloc(0),
          },
        ],
        authorizedOperations: 8,
      },
    ],
  }),
  hand('offset-for-leader-epoch', m.OffsetForLeaderEpochRequest, 'request', [0, 1, 2, 3], {
    replicaId: -1,
    topics: [{ topic: 't1', partitions: [{ partition: 0, currentLeaderEpoch: 4, leaderEpoch: 3 }] }],
  }),
  hand('offset-for-leader-epoch', m.OffsetForLeaderEpochResponse, 'response', [0, 1, 2, 3], {
    throttleTimeMs: 0,
    topics: [{ topic: 't1', partitions: [{ errorCode: 0, partition: 0, leaderEpoch: 3, endOffset: 100 }] }],
  }),
];

const rows = CASES.flatMap((c) => c.versions.map((v) => [`${c.def.name} v${v}`, c, v] as const));

describe('golden bytes (hand-written from the protocol guide)', () => {
  it.each(rows)('%s decodes and re-encodes byte-identically', (_name, c, v) => {
    const fixture = readFixture(c.api, v, c.kind);
    const expected = project(c.def.fields as Fields, v, c.value);
    const r = new Reader(fixture);
    expect(c.def.decode(r, v)).toEqual(expected);
    expect(r.remaining).toBe(0);
    const w = new Writer();
    c.def.encode(w, v, expected as never);
    expect(w.toBuffer().toString('hex')).toBe(fixture.toString('hex'));
  });
});
