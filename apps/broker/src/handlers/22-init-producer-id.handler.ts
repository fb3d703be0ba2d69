import { Injectable } from '@nestjs/common';
import { logger } from '@tributary/common';
import { ApiKey, ErrorCode, InitProducerIdRequest, InitProducerIdResponse } from '@tributary/protocol';
import { ProducerIdAllocator, ProducerIdsUnavailableError } from '../producers/producer-id-allocator';
import type { ApiHandler, RequestContext } from './api-handler';

/**
 * InitProducerId v0-1 for idempotent producers: a fresh producer id with epoch 0, unique across restarts and,
 * in a cluster, across brokers (see ProducerIdAllocator). When no id can be had (a cluster broker that cannot
 * reach the coordinator for its next block) the answer is COORDINATOR_NOT_AVAILABLE, which clients retry.
 * Transactions are not supported: a transactional id gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
 * which kafkajs and librdkafka treat as fatal and report at once instead of retrying.
 */
@Injectable()
export class InitProducerIdHandler implements ApiHandler<
  typeof InitProducerIdRequest,
  typeof InitProducerIdResponse
> {
  readonly apiKey = ApiKey.InitProducerId;
  readonly minVersion = 0;
  readonly maxVersion = 1;
  readonly request = InitProducerIdRequest;
  readonly response = InitProducerIdResponse;
  private readonly log = logger('producers');

  constructor(private readonly ids: ProducerIdAllocator) {}

  handle(
    req: InitProducerIdRequest,
    ctx: RequestContext,
  ): InitProducerIdResponse | Promise<InitProducerIdResponse> {
    if (req.transactionalId !== null) {
      this.log.warn(
        { transactionalId: req.transactionalId, clientId: ctx.clientId, remote: ctx.remote },
        'refused InitProducerId with a transactional.id: transactions are not supported; ' +
          'unset transactional.id (idempotent producers work without it)',
      );
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        producerId: -1,
        producerEpoch: -1,
      };
    }
    let id: number | Promise<number>;
    try {
      id = this.ids.allocate();
    } catch (e) {
      return this.unavailable(e, ctx);
    }
    // Single node (and a cluster broker with ids at hand) answers synchronously.
    if (typeof id === 'number') return this.allocated(id, ctx);
    return id.then(
      (producerId) => this.allocated(producerId, ctx),
      (e: unknown) => this.unavailable(e, ctx),
    );
  }

  private allocated(producerId: number, ctx: RequestContext): InitProducerIdResponse {
    this.log.debug({ producerId, clientId: ctx.clientId, remote: ctx.remote }, 'allocated producer id');
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
  }

  private unavailable(e: unknown, ctx: RequestContext): InitProducerIdResponse {
    if (!(e instanceof ProducerIdsUnavailableError)) throw e;
    this.log.warn({ err: e.message, clientId: ctx.clientId }, 'InitProducerId: no producer id available yet');
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      producerId: -1,
      producerEpoch: -1,
    };
  }
}
