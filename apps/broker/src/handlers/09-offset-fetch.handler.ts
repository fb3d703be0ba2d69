import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, OffsetFetchRequest, OffsetFetchResponse } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import { GroupOwnership } from '../groups/group-ownership';
import type { ApiHandler, RequestContext } from './api-handler';

/** OffsetFetch v0-5. v2+ null topics = every committed partition of the group; never-committed ones read -1. */
@Injectable()
export class OffsetFetchHandler implements ApiHandler<typeof OffsetFetchRequest, typeof OffsetFetchResponse> {
  readonly apiKey = ApiKey.OffsetFetch;
  readonly minVersion = 0;
  readonly maxVersion = 5;
  readonly request = OffsetFetchRequest;
  readonly response = OffsetFetchResponse;

  constructor(
    private readonly groups: GroupCoordinator,
    private readonly ownership: GroupOwnership,
  ) {}

  handle(req: OffsetFetchRequest, ctx: RequestContext): OffsetFetchResponse {
    const topics = ctx.apiVersion >= 2 ? req.topics : (req.topics ?? []);
    const owner = this.ownership.check(req.groupId);
    if (owner !== ErrorCode.NONE) {
      // v0-1 have no top-level error: each asked partition carries it.
      return {
        throttleTimeMs: 0,
        topics: (topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => ({
            partitionIndex,
            committedOffset: -1,
            committedLeaderEpoch: -1,
            metadata: null,
            errorCode: owner,
          })),
        })),
        errorCode: owner,
      };
    }
    return {
      throttleTimeMs: 0,
      topics: this.groups.fetchOffsets(req.groupId, topics),
      errorCode: ErrorCode.NONE,
    };
  }
}
