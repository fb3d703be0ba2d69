import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// CreateTopics v0-4. v1 validate_only and error_message; v2 throttle; v3-4 layout-identical (v4: -1 defaults).
export const CreateTopicsRequest = message(ApiKey.CreateTopics, 'CreateTopicsRequest', '0-4', [
  f.array('topics', [
    f.string('name'),
    f.int32('numPartitions'),
    f.int16('replicationFactor'),
    f.array('assignments', [f.int32('partitionIndex'), f.scalarArray('brokerIds', 'int32')] as const),
    f.array('configs', [f.string('name'), f.nullableString('value')] as const),
  ] as const),
  f.int32('timeoutMs'),
  f.bool('validateOnly', { versions: '1+' }),
] as const);

export const CreateTopicsResponse = message(ApiKey.CreateTopics, 'CreateTopicsResponse', '0-4', [
  f.int32('throttleTimeMs', { versions: '2+' }),
  f.array('topics', [
    f.string('name'),
    f.int16('errorCode'),
    f.nullableString('errorMessage', { versions: '1+' }),
  ] as const),
] as const);

export type CreateTopicsRequest = MessageOf<typeof CreateTopicsRequest>;
export type CreateTopicsResponse = MessageOf<typeof CreateTopicsResponse>;
