import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// ListOffsets v0-5. v0 has max_num_offsets and answers a list of offsets; v1+ one timestamp/offset pair;
// v2 isolation_level and throttle; v4 current/answered leader epoch. v5 is layout-identical to v4.
export const ListOffsetsRequest = message(ApiKey.ListOffsets, 'ListOffsetsRequest', '0-5', [
  f.int32('replicaId'),
  f.int8('isolationLevel', { versions: '2+' }),
  f.array('topics', [
    f.string('name'),
    f.array('partitions', [
      f.int32('partitionIndex'),
      f.int32('currentLeaderEpoch', { versions: '4+', default: -1 }),
      f.int64('timestamp'),
      f.int32('maxNumOffsets', { versions: '0', default: 1 }),
    ] as const),
  ] as const),
] as const);

export const ListOffsetsResponse = message(ApiKey.ListOffsets, 'ListOffsetsResponse', '0-5', [
  f.int32('throttleTimeMs', { versions: '2+' }),
  f.array('topics', [
    f.string('name'),
    f.array('partitions', [
      f.int32('partitionIndex'),
      f.int16('errorCode'),
      f.scalarArray('oldStyleOffsets', 'int64', { versions: '0' }),
      f.int64('timestamp', { versions: '1+', default: -1 }),
      f.int64('offset', { versions: '1+', default: -1 }),
      f.int32('leaderEpoch', { versions: '4+', default: -1 }),
    ] as const),
  ] as const),
] as const);

export type ListOffsetsRequest = MessageOf<typeof ListOffsetsRequest>;
export type ListOffsetsResponse = MessageOf<typeof ListOffsetsResponse>;
