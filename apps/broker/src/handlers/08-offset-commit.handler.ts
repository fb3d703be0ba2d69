import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, OffsetCommitRequest, OffsetCommitResponse } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import { GroupOwnership } from '../groups/group-ownership';
import type { ApiHandler, RequestContext } from './api-handler';

/**
 * OffsetCommit v0-7. Members commit with their generation and member id; generation -1 with no member is a
 * standalone commit, allowed only while the group has no members. Offsets past the log end are refused with
 * OFFSET_OUT_OF_RANGE. The response waits until the commit is durable in `__consumer_offsets`.
 */
@Injectable()
export class OffsetCommitHandler implements ApiHandler<
  typeof OffsetCommitRequest,
  typeof OffsetCommitResponse
> {
  readonly apiKey = ApiKey.OffsetCommit;
  readonly minVersion = 0;
  readonly maxVersion = 7;
  readonly request = OffsetCommitRequest;
  readonly response = OffsetCommitResponse;

  constructor(
    private readonly groups: GroupCoordinator,
    private readonly ownership: GroupOwnership,
  ) {}

  async handle(req: OffsetCommitRequest, ctx: RequestContext): Promise<OffsetCommitResponse> {
    const v = ctx.apiVersion;
    const owner = this.ownership.check(req.groupId);
    if (owner !== ErrorCode.NONE) {
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: owner })),
        })),
      };
    }
    const topics = await this.groups.commit({
      groupId: req.groupId,
      generationId: v >= 1 ? req.generationId : -1,
      memberId: v >= 1 ? req.memberId : '',
      groupInstanceId: v >= 7 ? req.groupInstanceId : null,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
          committedMetadata: p.committedMetadata,
        })),
      })),
    });
    return { throttleTimeMs: 0, topics };
  }
}
