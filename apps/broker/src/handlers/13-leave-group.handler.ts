import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, LeaveGroupRequest, LeaveGroupResponse } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import { GroupOwnership } from '../groups/group-ownership';
import type { ApiHandler, RequestContext } from './api-handler';

/** LeaveGroup v0-3. v0-2 name one member (its error is the top-level error); v3 a batch, answered per member. */
@Injectable()
export class LeaveGroupHandler implements ApiHandler<typeof LeaveGroupRequest, typeof LeaveGroupResponse> {
  readonly apiKey = ApiKey.LeaveGroup;
  readonly minVersion = 0;
  readonly maxVersion = 3;
  readonly request = LeaveGroupRequest;
  readonly response = LeaveGroupResponse;

  constructor(
    private readonly groups: GroupCoordinator,
    private readonly ownership: GroupOwnership,
  ) {}

  handle(req: LeaveGroupRequest, ctx: RequestContext): LeaveGroupResponse {
    const owner = this.ownership.check(req.groupId);
    if (owner !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: owner, members: [] };
    const batch = ctx.apiVersion >= 3;
    const leaving = batch ? req.members : [{ memberId: req.memberId, groupInstanceId: null }];
    const r = this.groups.leave(req.groupId, leaving);
    const errorCode = batch ? r.errorCode : (r.members[0]?.errorCode ?? ErrorCode.NONE);
    return { throttleTimeMs: 0, errorCode, members: r.members };
  }
}
