import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// FindCoordinator v0-2. v1 key_type (0 group, 1 transaction), response throttle and error_message; v2 layout-identical.
export const FindCoordinatorRequest = message(ApiKey.FindCoordinator, 'FindCoordinatorRequest', '0-2', [
  f.string('key'),
  f.int8('keyType', { versions: '1+' }),
] as const);

export const FindCoordinatorResponse = message(ApiKey.FindCoordinator, 'FindCoordinatorResponse', '0-2', [
  f.int32('throttleTimeMs', { versions: '1+' }),
  f.int16('errorCode'),
  f.nullableString('errorMessage', { versions: '1+' }),
  f.int32('nodeId'),
  f.string('host'),
  f.int32('port'),
] as const);

export type FindCoordinatorRequest = MessageOf<typeof FindCoordinatorRequest>;
export type FindCoordinatorResponse = MessageOf<typeof FindCoordinatorResponse>;
