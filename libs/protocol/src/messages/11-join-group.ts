import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// JoinGroup v0-5. v1 rebalance_timeout_ms; v2 response throttle; v3-4 layout-identical (v4: MEMBER_ID_REQUIRED);
// v5 group_instance_id in the request and per member in the response.
export const JoinGroupRequest = message(ApiKey.JoinGroup, 'JoinGroupRequest', '0-5', [
  f.string('groupId'),
  f.int32('sessionTimeoutMs'),
  f.int32('rebalanceTimeoutMs', { versions: '1+', default: -1 }),
  f.string('memberId'),
  f.nullableString('groupInstanceId', { versions: '5+' }),
  f.string('protocolType'),
  f.array('protocols', [f.string('name'), f.bytes('metadata')] as const),
] as const);

export const JoinGroupResponse = message(ApiKey.JoinGroup, 'JoinGroupResponse', '0-5', [
  f.int32('throttleTimeMs', { versions: '2+' }),
  f.int16('errorCode'),
  f.int32('generationId', { default: -1 }),
  f.string('protocolName'),
  f.string('leader'),
  f.string('memberId'),
  f.array('members', [
    f.string('memberId'),
    f.nullableString('groupInstanceId', { versions: '5+' }),
    f.bytes('metadata'),
  ] as const),
] as const);

export type JoinGroupRequest = MessageOf<typeof JoinGroupRequest>;
export type JoinGroupResponse = MessageOf<typeof JoinGroupResponse>;
