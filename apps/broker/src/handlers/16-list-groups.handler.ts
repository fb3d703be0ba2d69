import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, ListGroupsRequest, ListGroupsResponse } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import type { ApiHandler } from './api-handler';

/** ListGroups v0-2: every group this broker coordinates, including those that only hold committed offsets. */
@Injectable()
export class ListGroupsHandler implements ApiHandler<typeof ListGroupsRequest, typeof ListGroupsResponse> {
  readonly apiKey = ApiKey.ListGroups;
  readonly minVersion = 0;
  readonly maxVersion = 2;
  readonly request = ListGroupsRequest;
  readonly response = ListGroupsResponse;

  constructor(private readonly groups: GroupCoordinator) {}

  handle(): ListGroupsResponse {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: this.groups.list() };
  }
}
