import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// ApiVersions v0-2 (v3+ is flexible: answered through the v0 error path, see the handler).
// v1 adds throttle_time_ms to the response.
export const ApiVersionsRequest = message(ApiKey.ApiVersions, 'ApiVersionsRequest', '0-2', []);

export const ApiVersionsResponse = message(ApiKey.ApiVersions, 'ApiVersionsResponse', '0-2', [
  f.int16('errorCode'),
  f.array('apiKeys', [f.int16('apiKey'), f.int16('minVersion'), f.int16('maxVersion')]),
  f.int32('throttleTimeMs', { versions: '1+' }),
] as const);

export type ApiVersionsRequest = MessageOf<typeof ApiVersionsRequest>;
export type ApiVersionsResponse = MessageOf<typeof ApiVersionsResponse>;
