import type { Kafka } from 'kafkajs';

/**
 * kafkajs has no public assign-style consumer (read chosen partitions without a group). Its internal cluster
 * object has one: request encoders, the record batch decoder and the registered codecs. These are the parts
 * of it we use, typed, and the one place that reaches it through the Kafka instance's private factory symbol.
 */
export interface KafkajsMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  isControlRecord?: boolean;
}

export interface KafkajsFetchResponse {
  responses: {
    topicName: string;
    partitions: { partition: number; errorCode: number; highWatermark: string; messages: KafkajsMessage[] }[];
  }[];
}

export interface KafkajsBroker {
  fetch(req: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<KafkajsFetchResponse>;
}

export interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  findBroker(q: { nodeId: string }): Promise<KafkajsBroker>;
}

export function kafkajsCluster(kafka: Kafka): KafkajsCluster {
  const sym = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  if (!sym) {
    throw new Error(
      'kafkajs internals changed: no private createCluster on the Kafka instance; update libs/common/src/kafkajs-cluster.ts',
    );
  }
  const create = (
    kafka as unknown as Record<symbol, (o: { allowAutoTopicCreation: boolean }) => KafkajsCluster>
  )[sym]!;
  return create({ allowAutoTopicCreation: false });
}
