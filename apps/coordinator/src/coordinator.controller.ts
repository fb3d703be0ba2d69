import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { z } from 'zod';
import { logger } from '@tributary/common';
import { CoordinatorError, CoordinatorPatterns, type CoordinatorReply } from '@tributary/cluster';
import { CoordinatorService } from './coordinator.service';
import {
  allocateProducerIdsSchema,
  alterIsrSchema,
  createPartitionsSchema,
  createTopicSchema,
  deleteTopicSchema,
  fetchSchema,
  heartbeatSchema,
  registerSchema,
} from './coordinator.schemas';

/** The control RPC: one message pattern per operation, every reply a CoordinatorReply (never a thrown error). */
@Controller()
export class CoordinatorController {
  private readonly log = logger('coordinator-rpc');

  constructor(private readonly svc: CoordinatorService) {}

  @MessagePattern(CoordinatorPatterns.register)
  register(@Payload() data: unknown) {
    return this.reply(CoordinatorPatterns.register, registerSchema, data, (r) => this.svc.register(r));
  }

  @MessagePattern(CoordinatorPatterns.heartbeat)
  heartbeat(@Payload() data: unknown) {
    return this.reply(CoordinatorPatterns.heartbeat, heartbeatSchema, data, (r) => this.svc.heartbeat(r));
  }

  @MessagePattern(CoordinatorPatterns.fetch)
  fetch(@Payload() data: unknown) {
    return this.reply(CoordinatorPatterns.fetch, fetchSchema, data, (r) =>
      this.svc.fetchMetadata(r.sinceOffset),
    );
  }

  @MessagePattern(CoordinatorPatterns.createTopic)
  createTopic(@Payload() data: unknown) {
    return this.reply(CoordinatorPatterns.createTopic, createTopicSchema, data, (r) =>
      this.svc.createTopic(r),
    );
  }

  @MessagePattern(CoordinatorPatterns.deleteTopic)
  deleteTopic(@Payload() data: unknown) {
    return this.reply(CoordinatorPatterns.deleteTopic, deleteTopicSchema, data, (r) =>
      this.svc.deleteTopic(r.name),
    );
  }

  @MessagePattern(CoordinatorPatterns.createPartitions)
  createPartitions(@Payload() data: unknown) {
    return this.reply(CoordinatorPatterns.createPartitions, createPartitionsSchema, data, (r) =>
      this.svc.createPartitions(r),
    );
  }

  @MessagePattern(CoordinatorPatterns.alterIsr)
  alterIsr(@Payload() data: unknown) {
    return this.reply(CoordinatorPatterns.alterIsr, alterIsrSchema, data, (r) => this.svc.alterIsr(r));
  }

  @MessagePattern(CoordinatorPatterns.allocateProducerIds)
  allocateProducerIds(@Payload() data: unknown) {
    return this.reply(CoordinatorPatterns.allocateProducerIds, allocateProducerIdsSchema, data, (r) =>
      this.svc.allocateProducerIds(r),
    );
  }

  private reply<S extends z.ZodType, T>(
    pattern: string,
    schema: S,
    data: unknown,
    run: (req: z.infer<S>) => T,
  ): CoordinatorReply<T> {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      return fail(new CoordinatorError('INVALID_REQUEST', `bad ${pattern} request: ${why}`));
    }
    try {
      return { ok: true, value: run(parsed.data) };
    } catch (e) {
      if (e instanceof CoordinatorError) return fail(e);
      this.log.error({ err: e, pattern }, 'request failed');
      const why = e instanceof Error ? e.message : String(e);
      return fail(new CoordinatorError('UNKNOWN_SERVER_ERROR', `coordinator failed on ${pattern}: ${why}`));
    }
  }
}

function fail(e: CoordinatorError): { ok: false; error: ReturnType<CoordinatorError['toBody']> } {
  return { ok: false, error: e.toBody() };
}
