import { Injectable } from '@nestjs/common';
import { ApiKey, CreatePartitionsRequest, CreatePartitionsResponse, ErrorCode } from '@tributary/protocol';
import { ControllerError, TopicController } from '../metadata/topic-controller';
import type { ApiHandler } from './api-handler';

/** CreatePartitions v0-1: grows a topic to `count` partitions (never shrinks). */
@Injectable()
export class CreatePartitionsHandler implements ApiHandler<
  typeof CreatePartitionsRequest,
  typeof CreatePartitionsResponse
> {
  readonly apiKey = ApiKey.CreatePartitions;
  readonly minVersion = 0;
  readonly maxVersion = 1;
  readonly request = CreatePartitionsRequest;
  readonly response = CreatePartitionsResponse;

  constructor(private readonly controller: TopicController) {}

  async handle(req: CreatePartitionsRequest): Promise<CreatePartitionsResponse> {
    const results: CreatePartitionsResponse['results'] = [];
    for (const t of req.topics) {
      try {
        await this.controller.createPartitions(t.name, t.count, req.validateOnly);
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (e) {
        if (!(e instanceof ControllerError)) throw e;
        results.push({ name: t.name, errorCode: e.code, errorMessage: e.message });
      }
    }
    return { throttleTimeMs: 0, results };
  }
}
