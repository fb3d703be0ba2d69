import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// Fetch v0-11. v3 max_bytes; v4 isolation_level, last_stable_offset, aborted_transactions; v5 log_start_offset;
// v7 fetch sessions and forgotten topics; v9 current_leader_epoch; v11 rack_id and preferred_read_replica.
export const FetchRequest = message(ApiKey.Fetch, 'FetchRequest', '0-11', [
  f.int32('replicaId'),
  f.int32('maxWaitMs'),
  f.int32('minBytes'),
  f.int32('maxBytes', { versions: '3+', default: 0x7fffffff }),
  f.int8('isolationLevel', { versions: '4+' }),
  f.int32('sessionId', { versions: '7+' }),
  f.int32('sessionEpoch', { versions: '7+', default: -1 }),
  f.array('topics', [
    f.string('topic'),
    f.array('partitions', [
      f.int32('partition'),
      f.int32('currentLeaderEpoch', { versions: '9+', default: -1 }),
      f.int64('fetchOffset'),
      f.int64('logStartOffset', { versions: '5+', default: -1 }),
      f.int32('partitionMaxBytes'),
    ] as const),
  ] as const),
  f.array('forgottenTopicsData', [f.string('topic'), f.scalarArray('partitions', 'int32')] as const, {
    versions: '7+',
  }),
  f.string('rackId', { versions: '11+' }),
] as const);

export const FetchResponse = message(ApiKey.Fetch, 'FetchResponse', '0-11', [
  f.int32('throttleTimeMs', { versions: '1+' }),
  f.int16('errorCode', { versions: '7+' }),
  f.int32('sessionId', { versions: '7+' }),
  f.array('responses', [
    f.string('topic'),
    f.array('partitions', [
      f.int32('partitionIndex'),
      f.int16('errorCode'),
      f.int64('highWatermark'),
      f.int64('lastStableOffset', { versions: '4+', default: -1 }),
      f.int64('logStartOffset', { versions: '5+', default: -1 }),
      f.nullableArray('abortedTransactions', [f.int64('producerId'), f.int64('firstOffset')] as const, {
        versions: '4+',
      }),
      f.int32('preferredReadReplica', { versions: '11+', default: -1 }),
      f.records('records'),
    ] as const),
  ] as const),
] as const);

export type FetchRequest = MessageOf<typeof FetchRequest>;
export type FetchResponse = MessageOf<typeof FetchResponse>;
