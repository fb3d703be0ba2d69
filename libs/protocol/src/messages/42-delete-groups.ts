import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// DeleteGroups v0-1 (v1 is layout-identical).
export const DeleteGroupsRequest = message(ApiKey.DeleteGroups, 'DeleteGroupsRequest', '0-1', [
  f.scalarArray('groupsNames', 'string'),
] as const);

export const DeleteGroupsResponse = message(ApiKey.DeleteGroups, 'DeleteGroupsResponse', '0-1', [
  f.int32('throttleTimeMs'),
  f.array('results', [f.string('groupId'), f.int16('errorCode')] as const),
] as const);

export type DeleteGroupsRequest = MessageOf<typeof DeleteGroupsRequest>;
export type DeleteGroupsResponse = MessageOf<typeof DeleteGroupsResponse>;
