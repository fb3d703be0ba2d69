import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, OffsetFetchRequest, OffsetFetchResponse } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import type { ApiHandler, RequestContext } from './api-handler';

/** OffsetFetch v0-5. v2+ null topics = every committed partition of the group; never-committed ones read -1. */
@Injectable()
export class OffsetFetchHandler implements ApiHandler<typeof OffsetFetchRequest, typeof OffsetFetchResponse> {
  readonly apiKey = ApiKey.OffsetFetch;
  readonly minVersion = 0;
  readonly maxVersion = 5;
  readonly request = OffsetFetchRequest;
  readonly response = OffsetFetchResponse;

  constructor(private readonly groups: GroupCoordinator) {}

  handle(req: OffsetFetchRequest, ctx: RequestContext): OffsetFetchResponse {
    const topics = ctx.apiVersion >= 2 ? req.topics : (req.topics ?? []);
    return {
      throttleTimeMs: 0,
      topics: this.groups.fetchOffsets(req.groupId, topics),
      errorCode: ErrorCode.NONE,
    };
  }
}
