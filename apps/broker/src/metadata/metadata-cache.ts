import type { BrokerInfo, TopicInfo } from '@tributary/cluster';

/** Read side of cluster metadata; handlers depend on this, never on the controller's storage. */
export abstract class MetadataCache {
  abstract clusterId(): string;
  abstract controllerId(): number;
  abstract brokers(): readonly BrokerInfo[];
  abstract topic(name: string): TopicInfo | undefined;
  abstract topics(): readonly TopicInfo[];
}
