import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, JoinGroupRequest, JoinGroupResponse } from '@tributary/protocol';
import { clientHostOf } from '../groups/client-host';
import { GroupCoordinator } from '../groups/group-coordinator';
import { GroupOwnership } from '../groups/group-ownership';
import type { JoinResult } from '../groups/group';
import type { ApiHandler, RequestContext } from './api-handler';

/**
 * JoinGroup v0-5. The response is held until the rebalance's join phase completes (all known members rejoined,
 * or the rebalance timeout passed). v4+ members without an id get MEMBER_ID_REQUIRED and a fresh id (KIP-394);
 * v5 adds static membership (group_instance_id).
 */
@Injectable()
export class JoinGroupHandler implements ApiHandler<typeof JoinGroupRequest, typeof JoinGroupResponse> {
  readonly apiKey = ApiKey.JoinGroup;
  readonly minVersion = 0;
  readonly maxVersion = 5;
  readonly request = JoinGroupRequest;
  readonly response = JoinGroupResponse;

  constructor(
    private readonly groups: GroupCoordinator,
    private readonly ownership: GroupOwnership,
  ) {}

  async handle(req: JoinGroupRequest, ctx: RequestContext): Promise<JoinGroupResponse> {
    const owner = this.ownership.check(req.groupId);
    if (owner !== ErrorCode.NONE) {
      return {
        throttleTimeMs: 0,
        errorCode: owner,
        generationId: -1,
        protocolName: '',
        leader: '',
        memberId: req.memberId,
        members: [],
      };
    }
    const r: JoinResult = await this.groups.join({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: ctx.apiVersion >= 5 ? req.groupInstanceId : null,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: ctx.apiVersion >= 1 ? req.rebalanceTimeoutMs : -1,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
      clientId: ctx.clientId ?? '',
      clientHost: clientHostOf(ctx.remote),
      requireKnownMemberId: ctx.apiVersion >= 4,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolName: r.protocolName,
      leader: r.leader,
      memberId: r.memberId,
      members: r.members,
    };
  }
}
