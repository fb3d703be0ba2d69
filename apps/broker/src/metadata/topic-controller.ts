import type { TopicInfo } from '@tributary/cluster';

export interface CreateTopicSpec {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

/** Thrown for a request the controller refuses; `code` is the Kafka error code to answer with. */
export class ControllerError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Write side of cluster metadata: topic lifecycle. */
export abstract class TopicController {
  abstract createTopic(spec: CreateTopicSpec, validateOnly?: boolean): Promise<TopicInfo>;
  abstract deleteTopic(name: string): Promise<void>;
  abstract createPartitions(name: string, totalCount: number, validateOnly?: boolean): Promise<TopicInfo>;
}
