import { Injectable } from '@nestjs/common';
import { logger } from '@tributary/common';
import { ApiKey, ErrorCode, InitProducerIdRequest, InitProducerIdResponse } from '@tributary/protocol';
import { ProducerIdManager } from '../producers/producer-id-manager';
import type { ApiHandler, RequestContext } from './api-handler';

/**
 * InitProducerId v0-1 for idempotent producers: a fresh producer id with epoch 0 (ids survive restarts, see
 * ProducerIdManager). Transactions are not supported: a transactional id gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
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

  constructor(private readonly ids: ProducerIdManager) {}

  handle(req: InitProducerIdRequest, ctx: RequestContext): InitProducerIdResponse {
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
    const producerId = this.ids.allocate();
    this.log.debug({ producerId, clientId: ctx.clientId, remote: ctx.remote }, 'allocated producer id');
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
  }
}
