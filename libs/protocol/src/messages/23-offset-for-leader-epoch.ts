import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// OffsetForLeaderEpoch v0-3. v1 answers leader_epoch; v2 current_leader_epoch and response throttle;
// v3 replica_id (-1 for consumers, -2 when absent).
export const OffsetForLeaderEpochRequest = message(
  ApiKey.OffsetForLeaderEpoch,
  'OffsetForLeaderEpochRequest',
  '0-3',
  [
    f.int32('replicaId', { versions: '3+', default: -2 }),
    f.array('topics', [
      f.string('topic'),
      f.array('partitions', [
        f.int32('partition'),
        f.int32('currentLeaderEpoch', { versions: '2+', default: -1 }),
        f.int32('leaderEpoch'),
      ] as const),
    ] as const),
  ] as const,
);

export const OffsetForLeaderEpochResponse = message(
  ApiKey.OffsetForLeaderEpoch,
  'OffsetForLeaderEpochResponse',
  '0-3',
  [
    f.int32('throttleTimeMs', { versions: '2+' }),
    f.array('topics', [
      f.string('topic'),
      f.array('partitions', [
        f.int16('errorCode'),
        f.int32('partition'),
        f.int32('leaderEpoch', { versions: '1+', default: -1 }),
        f.int64('endOffset', { default: -1 }),
      ] as const),
    ] as const),
  ] as const,
);

export type OffsetForLeaderEpochRequest = MessageOf<typeof OffsetForLeaderEpochRequest>;
export type OffsetForLeaderEpochResponse = MessageOf<typeof OffsetForLeaderEpochResponse>;
