import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// Heartbeat v0-3. v1 response throttle; v3 group_instance_id.
export const HeartbeatRequest = message(ApiKey.Heartbeat, 'HeartbeatRequest', '0-3', [
  f.string('groupId'),
  f.int32('generationId'),
  f.string('memberId'),
  f.nullableString('groupInstanceId', { versions: '3+' }),
] as const);

export const HeartbeatResponse = message(ApiKey.Heartbeat, 'HeartbeatResponse', '0-3', [
  f.int32('throttleTimeMs', { versions: '1+' }),
  f.int16('errorCode'),
] as const);

export type HeartbeatRequest = MessageOf<typeof HeartbeatRequest>;
export type HeartbeatResponse = MessageOf<typeof HeartbeatResponse>;
