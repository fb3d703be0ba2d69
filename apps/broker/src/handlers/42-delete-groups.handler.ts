import { Injectable } from '@nestjs/common';
import { ApiKey, DeleteGroupsRequest, DeleteGroupsResponse, ErrorCode } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import { GroupOwnership } from '../groups/group-ownership';
import type { ApiHandler } from './api-handler';

/**
 * DeleteGroups v0-1: only empty groups (NON_EMPTY_GROUP otherwise); their committed offsets go too. In a
 * cluster a group coordinated elsewhere gets NOT_COORDINATOR (the client sends it to its coordinator).
 */
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

  constructor(
    private readonly groups: GroupCoordinator,
    private readonly ownership: GroupOwnership,
  ) {}

  async handle(req: DeleteGroupsRequest): Promise<DeleteGroupsResponse> {
    const results = await Promise.all(
      req.groupsNames.map(async (groupId) => {
        const owner = this.ownership.check(groupId);
        if (owner !== ErrorCode.NONE) return { groupId, errorCode: owner };
        return (await this.groups.deleteGroups([groupId]))[0]!;
      }),
    );
    return { throttleTimeMs: 0, results };
  }
}
