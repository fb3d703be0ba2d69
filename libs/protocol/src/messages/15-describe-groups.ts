import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// DescribeGroups v0-4. v1 response throttle; v3 authorized operations; v4 group_instance_id per member.
export const DescribeGroupsRequest = message(ApiKey.DescribeGroups, 'DescribeGroupsRequest', '0-4', [
  f.scalarArray('groups', 'string'),
  f.bool('includeAuthorizedOperations', { versions: '3+' }),
] as const);

export const DescribeGroupsResponse = message(ApiKey.DescribeGroups, 'DescribeGroupsResponse', '0-4', [
  f.int32('throttleTimeMs', { versions: '1+' }),
  f.array('groups', [
    f.int16('errorCode'),
    f.string('groupId'),
    f.string('groupState'),
    f.string('protocolType'),
    f.string('protocolData'),
    f.array('members', [
      f.string('memberId'),
      f.nullableString('groupInstanceId', { versions: '4+' }),
      f.string('clientId'),
      f.string('clientHost'),
      f.bytes('memberMetadata'),
      f.bytes('memberAssignment'),
    ] as const),
    f.int32('authorizedOperations', { versions: '3+', default: -2147483648 }),
  ] as const),
] as const);

export type DescribeGroupsRequest = MessageOf<typeof DescribeGroupsRequest>;
export type DescribeGroupsResponse = MessageOf<typeof DescribeGroupsResponse>;
