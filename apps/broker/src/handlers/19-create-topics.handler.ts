import { Inject, Injectable } from '@nestjs/common';
import { ApiKey, CreateTopicsRequest, CreateTopicsResponse, ErrorCode } from '@tributary/protocol';
import { BROKER_CONFIG } from '../broker.tokens';
import type { BrokerConfig } from '../config/broker-config';
import { ControllerError, TopicController } from '../metadata/topic-controller';
import type { ApiHandler, RequestContext } from './api-handler';

/**
 * CreateTopics v0-4. -1 partitions or replication factor (v4+) take the broker defaults; explicit replica
 * assignments fix the partition count. Each topic succeeds or fails on its own, with a message (v1+).
 */
@Injectable()
export class CreateTopicsHandler implements ApiHandler<
  typeof CreateTopicsRequest,
  typeof CreateTopicsResponse
> {
  readonly apiKey = ApiKey.CreateTopics;
  readonly minVersion = 0;
  readonly maxVersion = 4;
  readonly request = CreateTopicsRequest;
  readonly response = CreateTopicsResponse;

  constructor(
    private readonly controller: TopicController,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  async handle(req: CreateTopicsRequest, ctx: RequestContext): Promise<CreateTopicsResponse> {
    const seen = new Set<string>();
    const topics: CreateTopicsResponse['topics'] = [];
    for (const t of req.topics) {
      if (seen.has(t.name)) {
        topics.push({
          name: t.name,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `topic "${t.name}" appears twice in the request`,
        });
        continue;
      }
      seen.add(t.name);
      const configs: Record<string, string> = {};
      for (const c of t.configs) configs[c.name] = c.value as string;
      const nullConfig = t.configs.find((c) => c.value === null);
      try {
        if (nullConfig)
          throw new ControllerError(
            ErrorCode.INVALID_CONFIG,
            `topic config "${nullConfig.name}" has no value`,
          );
        const numPartitions =
          t.assignments.length > 0
            ? t.assignments.length
            : t.numPartitions === -1
              ? this.config['num.partitions']
              : t.numPartitions;
        const replicationFactor =
          t.assignments.length > 0
            ? t.assignments[0]!.brokerIds.length
            : t.replicationFactor === -1
              ? this.config['default.replication.factor']
              : t.replicationFactor;
        await this.controller.createTopic(
          { name: t.name, numPartitions, replicationFactor, configs },
          ctx.apiVersion >= 1 && req.validateOnly,
        );
        topics.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (e) {
        if (!(e instanceof ControllerError)) throw e;
        topics.push({ name: t.name, errorCode: e.code, errorMessage: e.message });
      }
    }
    return { throttleTimeMs: 0, topics };
  }
}
