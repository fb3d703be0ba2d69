import type { BrokerInfo, TopicInfo } from '@tributary/cluster';

/** Read side of cluster metadata; handlers depend on this, never on the controller's storage. */
export abstract class MetadataCache {
  abstract clusterId(): string;
  abstract controllerId(): number;
  abstract brokers(): readonly BrokerInfo[];
  abstract topic(name: string): TopicInfo | undefined;
  abstract topics(): readonly TopicInfo[];

  /** A mark taken when a request arrives, for `refreshedSince`. */
  refreshMark(): number {
    return 0;
  }

  /**
   * Cluster mode: a promise that settles once this broker's metadata includes every change the coordinator
   * had made when `mark` was taken (bounded in time), or null when it already does. Before answering
   * UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER a broker waits on it: a client may have learned of a
   * new topic or leader from a broker that heard of it first. Always null on a single node.
   */
  refreshedSince(_mark: number): Promise<void> | null {
    return null;
  }
}
