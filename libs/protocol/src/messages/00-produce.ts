import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// Produce v0-7. v3 adds transactional_id; v0-2 carry message format v0/v1, v3+ RecordBatch v2.
// Response: v1 throttle_time_ms, v2 log_append_time_ms, v5 log_start_offset. v4-7 are layout-identical.
export const ProduceRequest = message(ApiKey.Produce, 'ProduceRequest', '0-7', [
  f.nullableString('transactionalId', { versions: '3+' }),
  f.int16('acks'),
  f.int32('timeoutMs'),
  f.array('topicData', [
    f.string('name'),
    f.array('partitionData', [f.int32('index'), f.records('records')] as const),
  ] as const),
] as const);

export const ProduceResponse = message(ApiKey.Produce, 'ProduceResponse', '0-7', [
  f.array('responses', [
    f.string('name'),
    f.array('partitionResponses', [
      f.int32('index'),
      f.int16('errorCode'),
      f.int64('baseOffset'),
      f.int64('logAppendTimeMs', { versions: '2+', default: -1 }),
      f.int64('logStartOffset', { versions: '5+', default: -1 }),
    ] as const),
  ] as const),
  f.int32('throttleTimeMs', { versions: '1+' }),
] as const);

export type ProduceRequest = MessageOf<typeof ProduceRequest>;
export type ProduceResponse = MessageOf<typeof ProduceResponse>;
