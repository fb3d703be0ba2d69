import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// SaslHandshake v0-1. v0: raw SASL tokens follow on the socket; v1: tokens travel in SaslAuthenticate. Same layout.
export const SaslHandshakeRequest = message(ApiKey.SaslHandshake, 'SaslHandshakeRequest', '0-1', [
  f.string('mechanism'),
] as const);

export const SaslHandshakeResponse = message(ApiKey.SaslHandshake, 'SaslHandshakeResponse', '0-1', [
  f.int16('errorCode'),
  f.scalarArray('mechanisms', 'string'),
] as const);

export type SaslHandshakeRequest = MessageOf<typeof SaslHandshakeRequest>;
export type SaslHandshakeResponse = MessageOf<typeof SaslHandshakeResponse>;
