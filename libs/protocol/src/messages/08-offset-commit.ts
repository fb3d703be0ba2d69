import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// OffsetCommit v0-7. v1 generation/member ids and a per-partition commit_timestamp (v1 only); v2-4 retention_time_ms;
// v3 response throttle; v6 committed_leader_epoch; v7 group_instance_id (static membership).
export const OffsetCommitRequest = message(ApiKey.OffsetCommit, 'OffsetCommitRequest', '0-7', [
  f.string('groupId'),
  f.int32('generationId', { versions: '1+', default: -1 }),
  f.string('memberId', { versions: '1+' }),
  f.nullableString('groupInstanceId', { versions: '7+' }),
  f.int64('retentionTimeMs', { versions: '2-4', default: -1 }),
  f.array('topics', [
    f.string('name'),
    f.array('partitions', [
      f.int32('partitionIndex'),
      f.int64('committedOffset'),
      f.int32('committedLeaderEpoch', { versions: '6+', default: -1 }),
      f.int64('commitTimestamp', { versions: '1', default: -1 }),
      f.nullableString('committedMetadata'),
    ] as const),
  ] as const),
] as const);

export const OffsetCommitResponse = message(ApiKey.OffsetCommit, 'OffsetCommitResponse', '0-7', [
  f.int32('throttleTimeMs', { versions: '3+' }),
  f.array('topics', [
    f.string('name'),
    f.array('partitions', [f.int32('partitionIndex'), f.int16('errorCode')] as const),
  ] as const),
] as const);

export type OffsetCommitRequest = MessageOf<typeof OffsetCommitRequest>;
export type OffsetCommitResponse = MessageOf<typeof OffsetCommitResponse>;
