import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// LeaveGroup v0-3. v1 response throttle; v3 (KIP-345) replaces member_id with a batch of members, each answered
// with its own error code.
export const LeaveGroupRequest = message(ApiKey.LeaveGroup, 'LeaveGroupRequest', '0-3', [
  f.string('groupId'),
  f.string('memberId', { versions: '0-2' }),
  f.array('members', [f.string('memberId'), f.nullableString('groupInstanceId')] as const, {
    versions: '3+',
  }),
] as const);

export const LeaveGroupResponse = message(ApiKey.LeaveGroup, 'LeaveGroupResponse', '0-3', [
  f.int32('throttleTimeMs', { versions: '1+' }),
  f.int16('errorCode'),
  f.array(
    'members',
    [f.string('memberId'), f.nullableString('groupInstanceId'), f.int16('errorCode')] as const,
    {
      versions: '3+',
    },
  ),
] as const);

export type LeaveGroupRequest = MessageOf<typeof LeaveGroupRequest>;
export type LeaveGroupResponse = MessageOf<typeof LeaveGroupResponse>;
