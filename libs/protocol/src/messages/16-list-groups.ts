import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// ListGroups v0-2. The request is empty until v4 (states filter, flexible). v1 response throttle.
export const ListGroupsRequest = message(ApiKey.ListGroups, 'ListGroupsRequest', '0-2', [] as const);

export const ListGroupsResponse = message(ApiKey.ListGroups, 'ListGroupsResponse', '0-2', [
  f.int32('throttleTimeMs', { versions: '1+' }),
  f.int16('errorCode'),
  f.array('groups', [f.string('groupId'), f.string('protocolType')] as const),
] as const);

export type ListGroupsRequest = MessageOf<typeof ListGroupsRequest>;
export type ListGroupsResponse = MessageOf<typeof ListGroupsResponse>;
