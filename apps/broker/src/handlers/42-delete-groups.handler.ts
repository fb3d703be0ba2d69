import { Injectable } from '@nestjs/common';
import { ApiKey, DeleteGroupsRequest, DeleteGroupsResponse } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import type { ApiHandler } from './api-handler';

/** DeleteGroups v0-1: only empty groups (NON_EMPTY_GROUP otherwise); their committed offsets go too. */
@Injectable()
export class DeleteGroupsHandler implements ApiHandler<
  typeof DeleteGroupsRequest,
  typeof DeleteGroupsResponse
> {
  readonly apiKey = ApiKey.DeleteGroups;
  readonly minVersion = 0;
  readonly maxVersion = 1;
  readonly request = DeleteGroupsRequest;
  readonly response = DeleteGroupsResponse;

  constructor(private readonly groups: GroupCoordinator) {}

  async handle(req: DeleteGroupsRequest): Promise<DeleteGroupsResponse> {
    return { throttleTimeMs: 0, results: await this.groups.deleteGroups(req.groupsNames) };
  }
}
