import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, FindCoordinatorRequest, FindCoordinatorResponse } from '@tributary/protocol';
import { GroupOwnership } from '../groups/group-ownership';
import { MetadataCache } from '../metadata/metadata-cache';
import type { ApiHandler, RequestContext } from './api-handler';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

/**
 * FindCoordinator v0-2. On a single node this broker hosts every `__consumer_offsets` partition, so it
 * coordinates every group; in a cluster the leader of the group's partition does. Transaction coordinators do
 * not exist yet.
 */
@Injectable()
export class FindCoordinatorHandler implements ApiHandler<
  typeof FindCoordinatorRequest,
  typeof FindCoordinatorResponse
> {
  readonly apiKey = ApiKey.FindCoordinator;
  readonly minVersion = 0;
  readonly maxVersion = 2;
  readonly request = FindCoordinatorRequest;
  readonly response = FindCoordinatorResponse;

  constructor(
    private readonly metadata: MetadataCache,
    private readonly ownership: GroupOwnership,
  ) {}

  handle(
    req: FindCoordinatorRequest,
    ctx: RequestContext,
  ): FindCoordinatorResponse | Promise<FindCoordinatorResponse> {
    const keyType = ctx.apiVersion === 0 ? KEY_TYPE_GROUP : req.keyType;
    const none = (errorCode: number, errorMessage: string): FindCoordinatorResponse => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      nodeId: -1,
      host: '',
      port: -1,
    });
    if (keyType === KEY_TYPE_TRANSACTION) {
      return none(
        ErrorCode.COORDINATOR_NOT_AVAILABLE,
        'transactions are not supported by this broker yet; use an idempotent (non-transactional) producer',
      );
    }
    if (keyType !== KEY_TYPE_GROUP) {
      return none(
        ErrorCode.INVALID_REQUEST,
        `unknown coordinator key type ${keyType}; use 0 (group) or 1 (transaction)`,
      );
    }
    if (this.ownership.clustered) {
      return this.ownership.locate(req.key).then((loc) =>
        'broker' in loc
          ? {
              throttleTimeMs: 0,
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              nodeId: loc.broker.nodeId,
              host: loc.broker.host,
              port: loc.broker.port,
            }
          : none(
              loc.errorCode,
              'the group coordinator is not available yet (no leader for its partition); retry',
            ),
      );
    }
    const self =
      this.metadata.brokers().find((b) => b.nodeId === this.metadata.controllerId()) ??
      this.metadata.brokers()[0]!;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: self.nodeId,
      host: self.host,
      port: self.port,
    };
  }
}
