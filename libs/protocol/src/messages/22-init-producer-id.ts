import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// InitProducerId v0-1 (v1 is layout-identical). Null transactional_id asks for an idempotent-only producer id.
export const InitProducerIdRequest = message(ApiKey.InitProducerId, 'InitProducerIdRequest', '0-1', [
  f.nullableString('transactionalId'),
  f.int32('transactionTimeoutMs'),
] as const);

export const InitProducerIdResponse = message(ApiKey.InitProducerId, 'InitProducerIdResponse', '0-1', [
  f.int32('throttleTimeMs'),
  f.int16('errorCode'),
  f.int64('producerId', { default: -1 }),
  f.int16('producerEpoch'),
] as const);

export type InitProducerIdRequest = MessageOf<typeof InitProducerIdRequest>;
export type InitProducerIdResponse = MessageOf<typeof InitProducerIdResponse>;
