import type { PartitionInfo, TopicInfo } from './metadata-types';

/** A broker as the coordinator knows it. `brokerEpoch` is the offset of the entry that registered it. */
export interface BrokerState {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
  brokerEpoch: number;
  /** Fenced brokers lead nothing, are in no ISR (except as the last member standing) and get no new replicas. */
  fenced: boolean;
}

/**
 * One partition. `leaderEpoch` bumps on every leader change (including to "no leader", -1); `partitionEpoch`
 * bumps on every change at all and is the compare-and-set version of ISR changes.
 */
export interface PartitionState extends PartitionInfo {
  partitionEpoch: number;
}

export interface TopicState extends TopicInfo {
  partitions: PartitionState[];
}

/** Why a broker was fenced: its lease ran out, a new incarnation registered, or it asked (shutting down). */
export type FenceReason = 'lease-expired' | 're-registered' | 'requested';

/** No leader: every ISR member is fenced and unclean election is off. */
export const NO_LEADER = -1;

/** A change to cluster metadata. Records are facts decided earlier; applying one never decides anything. */
export type MetadataRecord =
  | { type: 'InitCluster'; clusterId: string }
  | {
      type: 'RegisterBroker';
      nodeId: number;
      brokerEpoch: number;
      host: string;
      port: number;
      rack: string | null;
    }
  | {
      type: 'FenceBroker';
      nodeId: number;
      brokerEpoch: number;
      reason: FenceReason;
    }
  | { type: 'UnfenceBroker'; nodeId: number; brokerEpoch: number }
  | {
      type: 'CreateTopic';
      topicId: string;
      name: string;
      configs: Record<string, string>;
      internal: boolean;
      partitions: PartitionState[];
    }
  | { type: 'DeleteTopic'; topicId: string; name: string }
  | { type: 'CreatePartitions'; topicId: string; partitions: PartitionState[] }
  | {
      type: 'PartitionChange';
      topicId: string;
      partition: number;
      leader: number;
      leaderEpoch: number;
      isr: number[];
      partitionEpoch: number;
    }
  /**
   * Producer ids [firstId, firstId + size) now belong to broker `nodeId` (KIP-730). Blocks are handed out in
   * order without gaps, so `firstId` is always the state's `nextProducerId`: no id is ever given out twice.
   */
  | { type: 'ProducerIdsBlock'; nodeId: number; brokerEpoch: number; firstId: number; size: number };

/**
 * The unit of the metadata log: records that take effect together (a fence and the leader moves it causes),
 * at one offset. Offsets are 1, 2, 3, ... without gaps.
 */
export interface MetadataEntry {
  offset: number;
  records: MetadataRecord[];
}

/**
 * The whole state at an offset: what snapshots hold and what a far-behind broker is sent. Version 2 added
 * `nextProducerId`; a version 1 snapshot (written before producer id blocks existed) reads as 0.
 */
export interface ClusterSnapshot {
  version: 2;
  offset: number;
  clusterId: string;
  brokers: BrokerState[];
  topics: TopicState[];
  /** First producer id not yet handed out in a block. */
  nextProducerId: number;
}

/** What `ClusterState.fromSnapshot` reads: the current snapshot version or the one before it. */
export type StoredClusterSnapshot =
  ClusterSnapshot | (Omit<ClusterSnapshot, 'version' | 'nextProducerId'> & { version: 1 });
