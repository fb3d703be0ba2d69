import type { ClusterState } from './cluster-state';
import { CoordinatorError } from './coordinator-error';
import type {
  AllocateProducerIdsRequest,
  AllocateProducerIdsResponse,
  AlterIsrRequest,
  CreatePartitionsRequest,
  CreateTopicRequest,
  RegisterBrokerRequest,
} from './coordinator-protocol';
import { electLeader, uncleanElectionEnabled } from './leader-election';
import type { FenceReason, MetadataRecord, PartitionState, TopicState } from './metadata-records';
import { INTERNAL_TOPICS, invalidTopicName } from './metadata-types';
import { assignReplicas } from './replica-assignment';

/*
 * Decisions: pure functions from (state, request) to the records that carry out the request, or a
 * CoordinatorError. They never change the state; the caller appends the records as one entry at
 * `state.offset + 1` and applies it.
 */

export const MAX_PARTITIONS = 100_000;
/** Producer ids per block, as in Kafka: a broker asks the coordinator once per this many InitProducerId calls. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/** A (re-)registration. The new epoch is the entry's offset, so it is above every epoch handed out before. */
export function decideRegisterBroker(
  state: ClusterState,
  req: RegisterBrokerRequest,
): { brokerEpoch: number; records: MetadataRecord[] } {
  const brokerEpoch = state.offset + 1;
  const prev = state.broker(req.nodeId);
  // The old incarnation may have lost unflushed data: take it out of ISRs and leadership before the new one exists.
  const records = prev && !prev.fenced ? decideFenceBroker(state, req.nodeId, 're-registered') : [];
  records.push({
    type: 'RegisterBroker',
    nodeId: req.nodeId,
    brokerEpoch,
    host: req.host,
    port: req.port,
    rack: req.rack ?? null,
  });
  return { brokerEpoch, records };
}

/**
 * Fences a broker (lease expired, or replaced by a new incarnation): it leaves every ISR it is in (unless it is
 * the last member), and partitions it led get a new leader from the remaining ISR, or none.
 */
export function decideFenceBroker(
  state: ClusterState,
  nodeId: number,
  reason: FenceReason,
): MetadataRecord[] {
  const b = state.broker(nodeId);
  if (!b || b.fenced) return [];
  const isLive = (id: number): boolean => id !== nodeId && state.isLive(id);
  const records: MetadataRecord[] = [{ type: 'FenceBroker', nodeId, brokerEpoch: b.brokerEpoch, reason }];
  for (const t of state.topics()) {
    for (const p of t.partitions) {
      if (p.leader !== nodeId && !p.isr.includes(nodeId)) continue;
      const shrunk = p.isr.filter((r) => r !== nodeId);
      const isr = shrunk.length > 0 ? shrunk : p.isr;
      const next =
        p.leader === nodeId
          ? electLeader({ replicas: p.replicas, isr }, isLive, uncleanElectionEnabled(t.configs))
          : { leader: p.leader, isr };
      // The last ISR member of a leaderless partition stays as it is.
      if (next.leader !== p.leader || !sameMembers(next.isr, p.isr))
        records.push(change(t, p, next.leader, next.isr));
    }
  }
  return records;
}

/** Unfences a broker and gives leaderless partitions it can lead a leader again. */
export function decideUnfenceBroker(state: ClusterState, nodeId: number): MetadataRecord[] {
  const b = state.broker(nodeId);
  if (!b || !b.fenced) return [];
  const isLive = (id: number): boolean => id === nodeId || state.isLive(id);
  const records: MetadataRecord[] = [{ type: 'UnfenceBroker', nodeId, brokerEpoch: b.brokerEpoch }];
  for (const t of state.topics()) {
    for (const p of t.partitions) {
      if (p.leader !== -1 || !p.replicas.includes(nodeId)) continue;
      const e = electLeader(p, isLive, uncleanElectionEnabled(t.configs));
      if (e.leader !== -1) records.push(change(t, p, e.leader, e.isr));
    }
  }
  return records;
}

export function decideCreateTopic(
  state: ClusterState,
  req: CreateTopicRequest,
  topicId: string,
): MetadataRecord[] {
  const bad = invalidTopicName(req.name);
  if (bad) throw new CoordinatorError('INVALID_TOPIC_EXCEPTION', bad);
  if (state.topic(req.name)) {
    throw new CoordinatorError('TOPIC_ALREADY_EXISTS', `topic "${req.name}" already exists`);
  }
  checkPartitionCount(req.numPartitions);
  const assignment = assignReplicas({
    brokers: state.liveBrokers(),
    numPartitions: req.numPartitions,
    replicationFactor: req.replicationFactor,
    startIndex: state.offset,
  });
  return [
    {
      type: 'CreateTopic',
      topicId,
      name: req.name,
      configs: { ...(req.configs ?? {}) },
      internal: INTERNAL_TOPICS.has(req.name),
      partitions: assignment.map((replicas, partition) => newPartition(partition, replicas)),
    },
  ];
}

export function decideDeleteTopic(state: ClusterState, name: string): MetadataRecord[] {
  const t = requireTopic(state, name);
  if (t.internal) {
    throw new CoordinatorError(
      'INVALID_TOPIC_EXCEPTION',
      `topic "${name}" is internal to the brokers and cannot be deleted`,
    );
  }
  return [{ type: 'DeleteTopic', topicId: t.id, name }];
}

export function decideCreatePartitions(state: ClusterState, req: CreatePartitionsRequest): MetadataRecord[] {
  const t = requireTopic(state, req.name);
  const from = t.partitions.length;
  if (!Number.isInteger(req.totalCount) || req.totalCount <= from) {
    throw new CoordinatorError(
      'INVALID_PARTITIONS',
      `topic "${req.name}" has ${from} partitions; the new count must be larger (partitions can only be added), got ${req.totalCount}`,
    );
  }
  checkPartitionCount(req.totalCount);
  const assignment = assignReplicas({
    brokers: state.liveBrokers(),
    numPartitions: req.totalCount - from,
    replicationFactor: t.partitions[0]?.replicas.length ?? 1,
    startIndex: state.offset,
    firstPartition: from,
  });
  return [
    {
      type: 'CreatePartitions',
      topicId: t.id,
      partitions: assignment.map((replicas, i) => newPartition(from + i, replicas)),
    },
  ];
}

/**
 * An ISR change asked for by a partition leader. Accepted only from the current leader, at its current broker
 * and leader epochs, against the partition epoch it last saw (compare-and-set); returns the new partition.
 */
export function decideAlterIsr(
  state: ClusterState,
  req: AlterIsrRequest,
): { records: MetadataRecord[]; partition: PartitionState } {
  const t = requireTopic(state, req.topic);
  const p = t.partitions[req.partition];
  if (!p) {
    throw new CoordinatorError(
      'UNKNOWN_TOPIC_OR_PARTITION',
      `topic "${req.topic}" has no partition ${req.partition} (it has ${t.partitions.length})`,
    );
  }
  const where = `${req.topic}-${req.partition}`;
  requireCurrentEpoch(state, req.leaderId, req.brokerEpoch);
  if (req.leaderEpoch < p.leaderEpoch) {
    throw new CoordinatorError(
      'FENCED_LEADER_EPOCH',
      `leader epoch ${req.leaderEpoch} of ${where} is stale; the current one is ${p.leaderEpoch}: fetch metadata`,
    );
  }
  if (req.leaderEpoch > p.leaderEpoch) {
    throw new CoordinatorError(
      'UNKNOWN_LEADER_EPOCH',
      `leader epoch ${req.leaderEpoch} of ${where} is newer than the coordinator's ${p.leaderEpoch}`,
    );
  }
  if (p.leader !== req.leaderId) {
    throw new CoordinatorError(
      'NOT_LEADER_OR_FOLLOWER',
      `broker ${req.leaderId} does not lead ${where} (leader is ${p.leader}); only the leader changes the ISR`,
    );
  }
  if (req.partitionEpoch !== p.partitionEpoch) {
    throw new CoordinatorError(
      'INVALID_UPDATE_VERSION',
      `partition epoch ${req.partitionEpoch} of ${where} is not the current ${p.partitionEpoch}; fetch metadata and retry`,
    );
  }
  const isr = req.newIsr;
  const unknown = isr.filter((r) => !p.replicas.includes(r));
  if (isr.length === 0 || !isr.includes(p.leader) || unknown.length > 0 || new Set(isr).size !== isr.length) {
    throw new CoordinatorError(
      'INVALID_REQUEST',
      `new ISR [${isr.join(', ')}] of ${where} must be distinct replicas of [${p.replicas.join(', ')}] including the leader ${p.leader}`,
    );
  }
  const ineligible = isr.filter((r) => !p.isr.includes(r) && !state.isLive(r));
  if (ineligible.length > 0) {
    throw new CoordinatorError(
      'INELIGIBLE_REPLICA',
      `replica(s) ${ineligible.join(', ')} of ${where} are fenced or unregistered and cannot join the ISR`,
    );
  }
  const ordered = p.replicas.filter((r) => isr.includes(r));
  if (sameMembers(ordered, p.isr)) return { records: [], partition: { ...p } };
  const rec = change(t, p, p.leader, ordered);
  return {
    records: [rec],
    partition: { ...p, isr: ordered, partitionEpoch: p.partitionEpoch + 1 },
  };
}

/**
 * The next block of producer ids for a broker (KIP-730): the block after every block handed out before, to
 * the broker's current registration only. Ids are int64 in Kafka; here they stop at 2^53 (never reached).
 */
export function decideAllocateProducerIds(
  state: ClusterState,
  req: AllocateProducerIdsRequest,
  size = PRODUCER_ID_BLOCK_SIZE,
): { block: AllocateProducerIdsResponse; records: MetadataRecord[] } {
  requireCurrentEpoch(state, req.nodeId, req.brokerEpoch);
  const firstId = state.nextProducerId;
  if (!Number.isSafeInteger(firstId + size)) {
    throw new CoordinatorError(
      'UNKNOWN_SERVER_ERROR',
      `producer ids are exhausted (the next block would pass ${Number.MAX_SAFE_INTEGER})`,
    );
  }
  return {
    block: { firstId, size },
    records: [{ type: 'ProducerIdsBlock', nodeId: req.nodeId, brokerEpoch: req.brokerEpoch, firstId, size }],
  };
}

function requireCurrentEpoch(state: ClusterState, nodeId: number, brokerEpoch: number): void {
  const b = state.broker(nodeId);
  if (!b || b.brokerEpoch !== brokerEpoch) {
    throw new CoordinatorError(
      'STALE_BROKER_EPOCH',
      `broker ${nodeId} epoch ${brokerEpoch} is not its current registration (${b ? `epoch ${b.brokerEpoch}` : 'not registered'}); register again`,
    );
  }
}

function change(
  t: Readonly<TopicState>,
  p: Readonly<PartitionState>,
  leader: number,
  isr: number[],
): MetadataRecord {
  return {
    type: 'PartitionChange',
    topicId: t.id,
    partition: p.partition,
    leader,
    leaderEpoch: leader === p.leader ? p.leaderEpoch : p.leaderEpoch + 1,
    isr: [...isr],
    partitionEpoch: p.partitionEpoch + 1,
  };
}

function newPartition(partition: number, replicas: number[]): PartitionState {
  return { partition, replicas, leader: replicas[0]!, leaderEpoch: 0, isr: [...replicas], partitionEpoch: 0 };
}

function requireTopic(state: ClusterState, name: string): Readonly<TopicState> {
  const t = state.topic(name);
  if (!t) throw new CoordinatorError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${name}" does not exist`);
  return t;
}

function checkPartitionCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) {
    throw new CoordinatorError(
      'INVALID_PARTITIONS',
      `number of partitions must be between 1 and ${MAX_PARTITIONS}, got ${n}`,
    );
  }
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
