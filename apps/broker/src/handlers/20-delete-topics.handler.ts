import { Injectable } from '@nestjs/common';
import { ApiKey, DeleteTopicsRequest, DeleteTopicsResponse, ErrorCode } from '@tributary/protocol';
import { ControllerError, TopicController } from '../metadata/topic-controller';
import type { ApiHandler } from './api-handler';

/** DeleteTopics v0-3: removes the topic from metadata, then its partition directories. */
@Injectable()
export class DeleteTopicsHandler implements ApiHandler<
  typeof DeleteTopicsRequest,
  typeof DeleteTopicsResponse
> {
  readonly apiKey = ApiKey.DeleteTopics;
  readonly minVersion = 0;
  readonly maxVersion = 3;
  readonly request = DeleteTopicsRequest;
  readonly response = DeleteTopicsResponse;

  constructor(private readonly controller: TopicController) {}

  async handle(req: DeleteTopicsRequest): Promise<DeleteTopicsResponse> {
    const responses: DeleteTopicsResponse['responses'] = [];
    for (const name of req.topicNames) {
      try {
        await this.controller.deleteTopic(name);
        responses.push({ name, errorCode: ErrorCode.NONE });
      } catch (e) {
        if (!(e instanceof ControllerError)) throw e;
        responses.push({ name, errorCode: e.code });
      }
    }
    return { throttleTimeMs: 0, responses };
  }
}
