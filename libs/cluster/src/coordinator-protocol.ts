import type { CoordinatorErrorBody } from './coordinator-error';
import type { ClusterSnapshot, MetadataEntry, PartitionState } from './metadata-records';

/** Message patterns of the coordinator's control RPC (`@nestjs/microservices`, TCP transport). */
export const CoordinatorPatterns = {
  register: 'broker.register',
  heartbeat: 'broker.heartbeat',
  fetch: 'metadata.fetch',
  createTopic: 'topic.create',
  deleteTopic: 'topic.delete',
  createPartitions: 'partitions.create',
  alterIsr: 'isr.alter',
  allocateProducerIds: 'producer-ids.allocate',
} as const;

/** Every reply: a value, or Kafka-named error (never a transport-level exception). */
export type CoordinatorReply<T> = { ok: true; value: T } | { ok: false; error: CoordinatorErrorBody };

export interface RegisterBrokerRequest {
  nodeId: number;
  host: string;
  port: number;
  rack?: string | null;
}
export interface RegisterBrokerResponse {
  clusterId: string;
  /** Present this epoch on every later call; a new registration gets a higher one and fences this one. */
  brokerEpoch: number;
  leaseMs: number;
  heartbeatIntervalMs: number;
  /** The registration's own entry: fetch metadata at least up to here before heartbeating unfenced. */
  metadataOffset: number;
}

export interface AlterIsrRequest {
  topic: string;
  partition: number;
  leaderId: number;
  /** The leader's broker epoch: a restarted (or zombie) incarnation cannot change the ISR. */
  brokerEpoch: number;
  leaderEpoch: number;
  /** Compare-and-set version: the partition epoch the leader last saw. */
  partitionEpoch: number;
  newIsr: number[];
}
export type AlterIsrResult =
  | { ok: true; topic: string; partition: PartitionState }
  | { ok: false; topic: string; partition: number; error: CoordinatorErrorBody };

export interface HeartbeatRequest {
  nodeId: number;
  brokerEpoch: number;
  /** Stay fenced (e.g. still catching up on metadata or shutting down). Default false: unfence. */
  wantFence?: boolean;
  isrChanges?: AlterIsrRequest[];
}
export type HeartbeatResponse =
  | {
      status: 'ok';
      fenced: boolean;
      leaseMs: number;
      /** The coordinator's latest metadata offset: fetch when behind it. */
      metadataOffset: number;
      isrResults: AlterIsrResult[];
    }
  /** This epoch is not (or no longer) the broker's registration: stop acting on it and register again. */
  | { status: 'fenced'; reason: string; metadataOffset: number };

export interface FetchMetadataRequest {
  /** Last offset the broker applied; 0 for none. */
  sinceOffset: number;
}
export type FetchMetadataResponse =
  /** Entries after sinceOffset in order (maybe a bounded prefix: fetch again until at `offset`). */
  | { kind: 'deltas'; offset: number; entries: MetadataEntry[] }
  /** The broker was too far behind (or ahead of a restored coordinator): replace all state with this. */
  | { kind: 'snapshot'; offset: number; snapshot: ClusterSnapshot };

export interface CreateTopicRequest {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  configs?: Record<string, string>;
  validateOnly?: boolean;
}
export interface DeleteTopicRequest {
  name: string;
}
export interface CreatePartitionsRequest {
  name: string;
  /** New total number of partitions (Kafka's CreatePartitions semantics). */
  totalCount: number;
  validateOnly?: boolean;
}

/** A broker asks for its next block of producer ids (KIP-730's AllocateProducerIds). */
export interface AllocateProducerIdsRequest {
  nodeId: number;
  /** Only the broker's current registration gets ids: a zombie incarnation is refused with STALE_BROKER_EPOCH. */
  brokerEpoch: number;
}
/** Ids [firstId, firstId + size) are this broker's alone, for good (also after either side restarts). */
export interface AllocateProducerIdsResponse {
  firstId: number;
  size: number;
}
