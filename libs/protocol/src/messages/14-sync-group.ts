import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// SyncGroup v0-3. v1 response throttle; v3 group_instance_id. (protocol_type/name arrive in v5, flexible: not served.)
export const SyncGroupRequest = message(ApiKey.SyncGroup, 'SyncGroupRequest', '0-3', [
  f.string('groupId'),
  f.int32('generationId'),
  f.string('memberId'),
  f.nullableString('groupInstanceId', { versions: '3+' }),
  f.array('assignments', [f.string('memberId'), f.bytes('assignment')] as const),
] as const);

export const SyncGroupResponse = message(ApiKey.SyncGroup, 'SyncGroupResponse', '0-3', [
  f.int32('throttleTimeMs', { versions: '1+' }),
  f.int16('errorCode'),
  f.bytes('assignment'),
] as const);

export type SyncGroupRequest = MessageOf<typeof SyncGroupRequest>;
export type SyncGroupResponse = MessageOf<typeof SyncGroupResponse>;
