import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, ListGroupsRequest, ListGroupsResponse } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import type { ApiHandler } from './api-handler';

/**
 * ListGroups v0-2: every group this broker coordinates, including those that only hold committed offsets.
 * While an offsets partition is still being loaded here the list is incomplete: COORDINATOR_LOAD_IN_PROGRESS
 * with the groups known so far, as Kafka answers.
 */
@Injectable()
export class ListGroupsHandler implements ApiHandler<typeof ListGroupsRequest, typeof ListGroupsResponse> {
  readonly apiKey = ApiKey.ListGroups;
  readonly minVersion = 0;
  readonly maxVersion = 2;
  readonly request = ListGroupsRequest;
  readonly response = ListGroupsResponse;

  constructor(private readonly groups: GroupCoordinator) {}

  handle(): ListGroupsResponse {
    const errorCode = this.groups.loading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode, groups: this.groups.list() };
  }
}
