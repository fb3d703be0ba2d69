import { Injectable } from '@nestjs/common';
import { ApiKey, DescribeGroupsRequest, DescribeGroupsResponse } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import type { ApiHandler } from './api-handler';

/** DescribeGroups v0-4. An unknown group is reported as "Dead" without error, as Kafka does. */
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

  constructor(private readonly groups: GroupCoordinator) {}

  handle(req: DescribeGroupsRequest): DescribeGroupsResponse {
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((id) => ({ ...this.groups.describe(id), authorizedOperations: -2147483648 })),
    };
  }
}
