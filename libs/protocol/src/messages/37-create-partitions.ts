import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// CreatePartitions v0-1 (v1 is layout-identical).
export const CreatePartitionsRequest = message(ApiKey.CreatePartitions, 'CreatePartitionsRequest', '0-1', [
  f.array('topics', [
    f.string('name'),
    f.int32('count'),
    f.nullableArray('assignments', [f.scalarArray('brokerIds', 'int32')] as const),
  ] as const),
  f.int32('timeoutMs'),
  f.bool('validateOnly'),
] as const);

export const CreatePartitionsResponse = message(ApiKey.CreatePartitions, 'CreatePartitionsResponse', '0-1', [
  f.int32('throttleTimeMs'),
  f.array('results', [f.string('name'), f.int16('errorCode'), f.nullableString('errorMessage')] as const),
] as const);

export type CreatePartitionsRequest = MessageOf<typeof CreatePartitionsRequest>;
export type CreatePartitionsResponse = MessageOf<typeof CreatePartitionsResponse>;
