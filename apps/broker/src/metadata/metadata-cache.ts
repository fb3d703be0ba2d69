import type { BrokerInfo, TopicInfo } from '@tributary/cluster';

/** Read side of cluster metadata; handlers depend on this, never on the controller's storage. */
export abstract class MetadataCache {
  abstract clusterId(): string;
  abstract controllerId(): number;
  abstract brokers(): readonly BrokerInfo[];
  abstract topic(name: string): TopicInfo | undefined;
  abstract topics(): readonly TopicInfo[];

  /**
   * A promise to wait on before answering for `names` when one of them is unknown here but may exist elsewhere
   * (a cluster broker that has not yet applied a topic the coordinator already created); null when there is
   * nothing to wait for, which is always the case on a single node.
   */
  catchUpFor(_names: readonly string[]): Promise<void> | null {
    return null;
  }
}
