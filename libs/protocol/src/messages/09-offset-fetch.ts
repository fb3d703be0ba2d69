import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// OffsetFetch v0-5. v2 null topics means "all committed offsets of the group" and adds a top-level error_code;
// v3 response throttle; v5 committed_leader_epoch. v0 reads ZooKeeper-stored offsets in real Kafka (same layout).
export const OffsetFetchRequest = message(ApiKey.OffsetFetch, 'OffsetFetchRequest', '0-5', [
  f.string('groupId'),
  f.nullableArray('topics', [f.string('name'), f.scalarArray('partitionIndexes', 'int32')] as const, {
    nullable: '2+',
    default: [],
  }),
] as const);

export const OffsetFetchResponse = message(ApiKey.OffsetFetch, 'OffsetFetchResponse', '0-5', [
  f.int32('throttleTimeMs', { versions: '3+' }),
  f.array('topics', [
    f.string('name'),
    f.array('partitions', [
      f.int32('partitionIndex'),
      f.int64('committedOffset'),
      f.int32('committedLeaderEpoch', { versions: '5+', default: -1 }),
      f.nullableString('metadata'),
      f.int16('errorCode'),
    ] as const),
  ] as const),
  f.int16('errorCode', { versions: '2+' }),
] as const);

export type OffsetFetchRequest = MessageOf<typeof OffsetFetchRequest>;
export type OffsetFetchResponse = MessageOf<typeof OffsetFetchResponse>;
