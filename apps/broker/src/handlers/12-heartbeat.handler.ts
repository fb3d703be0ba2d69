import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, HeartbeatRequest, HeartbeatResponse } from '@tributary/protocol';
import { GroupCoordinator } from '../groups/group-coordinator';
import { GroupOwnership } from '../groups/group-ownership';
import type { ApiHandler, RequestContext } from './api-handler';

/** Heartbeat v0-3: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin. */
@Injectable()
export class HeartbeatHandler implements ApiHandler<typeof HeartbeatRequest, typeof HeartbeatResponse> {
  readonly apiKey = ApiKey.Heartbeat;
  readonly minVersion = 0;
  readonly maxVersion = 3;
  readonly request = HeartbeatRequest;
  readonly response = HeartbeatResponse;

  constructor(
    private readonly groups: GroupCoordinator,
    private readonly ownership: GroupOwnership,
  ) {}

  handle(req: HeartbeatRequest, ctx: RequestContext): HeartbeatResponse {
    const owner = this.ownership.check(req.groupId);
    if (owner !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: owner };
    const instance = ctx.apiVersion >= 3 ? req.groupInstanceId : null;
    return {
      throttleTimeMs: 0,
      errorCode: this.groups.heartbeat(req.groupId, req.generationId, req.memberId, instance),
    };
  }
}
