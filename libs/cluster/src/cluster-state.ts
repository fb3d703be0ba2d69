import type {
  BrokerState,
  ClusterSnapshot,
  MetadataEntry,
  MetadataRecord,
  PartitionState,
  StoredClusterSnapshot,
  TopicState,
} from './metadata-records';

/**
 * Cluster metadata as a state machine over metadata log entries. `apply` is deterministic: the same entries in
 * the same order give the same state on the coordinator, after its recovery, and on every broker. It checks
 * that each record fits the state (it never decides anything); a record that does not fit is a bug or a
 * corrupt log and throws. Objects handed out are never changed afterwards (a change replaces them), so a
 * reader may keep one as a consistent view of the moment it read it.
 */
export class ClusterState {
  private lastOffset = 0;
  private id = '';
  private readonly brokerMap = new Map<number, BrokerState>();
  private readonly topicMap = new Map<string, TopicState>();
  private readonly idByName = new Map<string, string>();
  private nextPid = 0;

  /** Offset of the last applied entry; 0 before any. */
  get offset(): number {
    return this.lastOffset;
  }
  get clusterId(): string {
    return this.id;
  }
  /** First producer id no block has covered yet: the next block starts here. */
  get nextProducerId(): number {
    return this.nextPid;
  }

  broker(nodeId: number): Readonly<BrokerState> | undefined {
    return this.brokerMap.get(nodeId);
  }
  brokers(): readonly Readonly<BrokerState>[] {
    return [...this.brokerMap.values()].sort((a, b) => a.nodeId - b.nodeId);
  }
  /** Registered and not fenced: the brokers that may lead, follow in an ISR and receive new replicas. */
  liveBrokers(): readonly Readonly<BrokerState>[] {
    return this.brokers().filter((b) => !b.fenced);
  }
  isLive(nodeId: number): boolean {
    const b = this.brokerMap.get(nodeId);
    return b !== undefined && !b.fenced;
  }
  topic(name: string): Readonly<TopicState> | undefined {
    const id = this.idByName.get(name);
    return id === undefined ? undefined : this.topicMap.get(id);
  }
  topicById(topicId: string): Readonly<TopicState> | undefined {
    return this.topicMap.get(topicId);
  }
  topics(): readonly Readonly<TopicState>[] {
    return [...this.topicMap.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  apply(entry: MetadataEntry): void {
    if (entry.offset !== this.lastOffset + 1) {
      throw new Error(
        `metadata entry at offset ${entry.offset} does not follow offset ${this.lastOffset}; entries must be applied in order without gaps`,
      );
    }
    for (const r of entry.records) this.applyRecord(r, entry.offset);
    this.lastOffset = entry.offset;
  }

  private applyRecord(r: MetadataRecord, offset: number): void {
    switch (r.type) {
      case 'InitCluster':
        if (this.id !== '')
          throw new Error(`cluster id is already ${this.id}; InitCluster at offset ${offset}`);
        this.id = r.clusterId;
        return;
      case 'RegisterBroker': {
        const prev = this.brokerMap.get(r.nodeId);
        if (prev && r.brokerEpoch <= prev.brokerEpoch) {
          throw new Error(
            `broker ${r.nodeId} re-registered with epoch ${r.brokerEpoch}, not above its epoch ${prev.brokerEpoch}`,
          );
        }
        // A new registration starts fenced: the broker must catch up on metadata and heartbeat first.
        this.brokerMap.set(r.nodeId, {
          nodeId: r.nodeId,
          host: r.host,
          port: r.port,
          rack: r.rack,
          brokerEpoch: r.brokerEpoch,
          fenced: true,
        });
        return;
      }
      case 'FenceBroker':
      case 'UnfenceBroker': {
        const b = this.brokerMap.get(r.nodeId);
        if (!b || b.brokerEpoch !== r.brokerEpoch) {
          throw new Error(
            `${r.type} for broker ${r.nodeId} epoch ${r.brokerEpoch} at offset ${offset}, but its epoch is ${b?.brokerEpoch ?? 'unregistered'}`,
          );
        }
        this.brokerMap.set(r.nodeId, { ...b, fenced: r.type === 'FenceBroker' });
        return;
      }
      case 'CreateTopic': {
        if (this.topicMap.has(r.topicId) || this.idByName.has(r.name)) {
          throw new Error(`topic ${r.name} (${r.topicId}) created twice at offset ${offset}`);
        }
        this.topicMap.set(r.topicId, {
          id: r.topicId,
          name: r.name,
          configs: { ...r.configs },
          internal: r.internal,
          partitions: r.partitions.map(copyPartition),
        });
        this.idByName.set(r.name, r.topicId);
        return;
      }
      case 'DeleteTopic': {
        const t = this.requireTopic(r.topicId, offset);
        this.topicMap.delete(t.id);
        this.idByName.delete(t.name);
        return;
      }
      case 'CreatePartitions': {
        const t = this.requireTopic(r.topicId, offset);
        const partitions = [...t.partitions];
        for (const p of r.partitions) {
          if (p.partition !== partitions.length) {
            throw new Error(`partition ${t.name}-${p.partition} added out of order at offset ${offset}`);
          }
          partitions.push(copyPartition(p));
        }
        this.topicMap.set(t.id, { ...t, partitions });
        return;
      }
      case 'PartitionChange': {
        const t = this.requireTopic(r.topicId, offset);
        const p = t.partitions[r.partition];
        if (!p)
          throw new Error(
            `PartitionChange for missing partition ${t.name}-${r.partition} at offset ${offset}`,
          );
        if (r.partitionEpoch <= p.partitionEpoch || r.leaderEpoch < p.leaderEpoch) {
          throw new Error(
            `PartitionChange for ${t.name}-${r.partition} at offset ${offset} does not advance its epochs`,
          );
        }
        const partitions = [...t.partitions];
        partitions[r.partition] = {
          ...p,
          leader: r.leader,
          leaderEpoch: r.leaderEpoch,
          isr: [...r.isr],
          partitionEpoch: r.partitionEpoch,
        };
        this.topicMap.set(t.id, { ...t, partitions });
        return;
      }
      case 'ProducerIdsBlock': {
        const b = this.brokerMap.get(r.nodeId);
        if (!b || b.brokerEpoch !== r.brokerEpoch) {
          throw new Error(
            `ProducerIdsBlock for broker ${r.nodeId} epoch ${r.brokerEpoch} at offset ${offset}, but its epoch is ${b?.brokerEpoch ?? 'unregistered'}`,
          );
        }
        if (r.firstId !== this.nextPid || !Number.isSafeInteger(r.firstId + r.size) || r.size < 1) {
          throw new Error(
            `ProducerIdsBlock [${r.firstId}, +${r.size}) at offset ${offset} does not start at the next free producer id ${this.nextPid}`,
          );
        }
        this.nextPid = r.firstId + r.size;
        return;
      }
    }
  }

  private requireTopic(topicId: string, offset: number): TopicState {
    const t = this.topicMap.get(topicId);
    if (!t) throw new Error(`record at offset ${offset} names unknown topic id ${topicId}`);
    return t;
  }

  /** A deep copy of the whole state. */
  toSnapshot(): ClusterSnapshot {
    return {
      version: 2,
      offset: this.lastOffset,
      clusterId: this.id,
      brokers: this.brokers().map((b) => ({ ...b })),
      topics: this.topics().map(copyTopic),
      nextProducerId: this.nextPid,
    };
  }

  static fromSnapshot(s: StoredClusterSnapshot): ClusterState {
    const version: number = s.version;
    if (version !== 1 && version !== 2) {
      throw new Error(
        `unsupported metadata snapshot version ${version}; this build reads versions 1 and 2, upgrade it`,
      );
    }
    const state = new ClusterState();
    state.lastOffset = s.offset;
    state.id = s.clusterId;
    // Version 1 predates producer id blocks: none was handed out.
    state.nextPid = s.version === 2 ? s.nextProducerId : 0;
    for (const b of s.brokers) state.brokerMap.set(b.nodeId, { ...b });
    for (const t of s.topics) {
      state.topicMap.set(t.id, copyTopic(t));
      state.idByName.set(t.name, t.id);
    }
    return state;
  }

  clone(): ClusterState {
    return ClusterState.fromSnapshot(this.toSnapshot());
  }
}

function copyPartition(p: PartitionState): PartitionState {
  return { ...p, replicas: [...p.replicas], isr: [...p.isr] };
}

function copyTopic(t: Readonly<TopicState>): TopicState {
  return { ...t, configs: { ...t.configs }, partitions: t.partitions.map(copyPartition) };
}
