import { Injectable } from '@nestjs/common';
import { ApiKey, DescribeGroupsRequest, DescribeGroupsResponse, ErrorCode } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import { GroupOwnership } from '../groups/group-ownership';
import type { ApiHandler } from './api-handler';

/**
 * DescribeGroups v0-4. An unknown group is reported as "Dead" without error, as Kafka does; in a cluster a
 * group coordinated elsewhere (or still loading here) carries NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS).
 */
@Injectable()
export class DescribeGroupsHandler implements ApiHandler<
  typeof DescribeGroupsRequest,
  typeof DescribeGroupsResponse
> {
  readonly apiKey = ApiKey.DescribeGroups;
  readonly minVersion = 0;
  readonly maxVersion = 4;
  readonly request = DescribeGroupsRequest;
  readonly response = DescribeGroupsResponse;

  constructor(
    private readonly groups: GroupCoordinator,
    private readonly ownership: GroupOwnership,
  ) {}

  handle(req: DescribeGroupsRequest): DescribeGroupsResponse {
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((id) => {
        const owner = this.ownership.check(id);
        const group =
          owner === ErrorCode.NONE
            ? this.groups.describe(id)
            : {
                errorCode: owner,
                groupId: id,
                groupState: '',
                protocolType: '',
                protocolData: '',
                members: [],
              };
        return { ...group, authorizedOperations: -2147483648 };
      }),
    };
  }
}
