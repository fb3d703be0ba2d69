import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, SyncGroupRequest, SyncGroupResponse } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import { GroupOwnership } from '../groups/group-ownership';
import type { ApiHandler, RequestContext } from './api-handler';

/** SyncGroup v0-3. The leader brings the assignment; every member's response waits for it. */
@Injectable()
export class SyncGroupHandler implements ApiHandler<typeof SyncGroupRequest, typeof SyncGroupResponse> {
  readonly apiKey = ApiKey.SyncGroup;
  readonly minVersion = 0;
  readonly maxVersion = 3;
  readonly request = SyncGroupRequest;
  readonly response = SyncGroupResponse;

  constructor(
    private readonly groups: GroupCoordinator,
    private readonly ownership: GroupOwnership,
  ) {}

  async handle(req: SyncGroupRequest, ctx: RequestContext): Promise<SyncGroupResponse> {
    const owner = this.ownership.check(req.groupId);
    if (owner !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: owner, assignment: Buffer.alloc(0) };
    const r = await this.groups.sync(
      req.groupId,
      req.generationId,
      req.memberId,
      ctx.apiVersion >= 3 ? req.groupInstanceId : null,
      // Copies: request buffers are views into the frame, and the assignment outlives the request.
      req.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
    );
    return { throttleTimeMs: 0, errorCode: r.errorCode, assignment: r.assignment };
  }
}
