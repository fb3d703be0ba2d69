import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// SaslAuthenticate v0-1. v1 adds session_lifetime_ms to the response (KIP-368).
export const SaslAuthenticateRequest = message(ApiKey.SaslAuthenticate, 'SaslAuthenticateRequest', '0-1', [
  f.bytes('authBytes'),
] as const);

export const SaslAuthenticateResponse = message(ApiKey.SaslAuthenticate, 'SaslAuthenticateResponse', '0-1', [
  f.int16('errorCode'),
  f.nullableString('errorMessage'),
  f.bytes('authBytes'),
  f.int64('sessionLifetimeMs', { versions: '1+' }),
] as const);

export type SaslAuthenticateRequest = MessageOf<typeof SaslAuthenticateRequest>;
export type SaslAuthenticateResponse = MessageOf<typeof SaslAuthenticateResponse>;
