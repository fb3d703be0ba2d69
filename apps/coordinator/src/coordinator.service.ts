import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { logger } from '@tributary/common';
import {
  CoordinatorError,
  decideAllocateProducerIds,
  decideAlterIsr,
  decideCreatePartitions,
  decideCreateTopic,
  decideDeleteTopic,
  decideFenceBroker,
  decideRegisterBroker,
  decideUnfenceBroker,
  type AllocateProducerIdsRequest,
  type AllocateProducerIdsResponse,
  type AlterIsrRequest,
  type AlterIsrResult,
  type CreatePartitionsRequest,
  type CreateTopicRequest,
  type FetchMetadataResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type MetadataRecord,
  type PartitionState,
  type RegisterBrokerRequest,
  type RegisterBrokerResponse,
  type TopicState,
} from '@tributary/cluster';
import type { CoordinatorConfig } from './config/coordinator-config';
import { COORDINATOR_CLOCK, COORDINATOR_CONFIG, type Clock } from './coordinator.tokens';
import { LeaseTracker } from './leases/lease-tracker';
import { MetadataStore } from './metadata/metadata-store';

/**
 * The cluster controller: turns requests into decisions (pure functions in @tributary/cluster), commits them
 * to the durable metadata store, and fences brokers whose lease runs out. Everything runs synchronously on
 * the event loop, so decisions and commits never interleave and each decision sees the state it changes.
 */
@Injectable()
export class CoordinatorService implements OnModuleInit, OnModuleDestroy {
  private readonly log = logger('coordinator');
  private readonly leases = new LeaseTracker();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    private readonly store: MetadataStore,
    @Inject(COORDINATOR_CLOCK) private readonly now: Clock,
  ) {}

  onModuleInit(): void {
    if (this.store.state.clusterId === '')
      this.store.commit([{ type: 'InitCluster', clusterId: randomUUID() }]);
    const s = this.store.state;
    // Grace after a (re)start: every registered broker gets a full lease before it can be fenced.
    for (const b of s.brokers()) this.leases.renew(b.nodeId, b.brokerEpoch, this.now(), this.config.leaseMs);
    const tick = Math.max(10, Math.min(250, Math.floor(this.config.leaseMs / 10)));
    this.timer = setInterval(() => this.expireLeases(), tick);
    this.log.info(
      {
        clusterId: s.clusterId,
        offset: s.offset,
        brokers: s.brokers().length,
        topics: s.topics().length,
        tornBytesCut: this.store.recoveredTornBytes,
      },
      'metadata recovered',
    );
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.store.close();
  }

  get state() {
    return this.store.state;
  }

  register(req: RegisterBrokerRequest): RegisterBrokerResponse {
    const { brokerEpoch, records } = decideRegisterBroker(this.store.state, req);
    this.commit(records);
    this.leases.renew(req.nodeId, brokerEpoch, this.now(), this.config.leaseMs);
    this.log.info({ nodeId: req.nodeId, brokerEpoch, host: req.host, port: req.port }, 'broker registered');
    return {
      clusterId: this.store.state.clusterId,
      brokerEpoch,
      leaseMs: this.config.leaseMs,
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      metadataOffset: this.store.state.offset,
    };
  }

  heartbeat(req: HeartbeatRequest): HeartbeatResponse {
    const b = this.store.state.broker(req.nodeId);
    if (!b || b.brokerEpoch !== req.brokerEpoch) {
      return {
        status: 'fenced',
        reason: b
          ? `broker ${req.nodeId} epoch ${req.brokerEpoch} was replaced by epoch ${b.brokerEpoch}; register again`
          : `broker ${req.nodeId} is not registered with this coordinator; register again`,
        metadataOffset: this.store.state.offset,
      };
    }
    this.leases.renew(req.nodeId, b.brokerEpoch, this.now(), this.config.leaseMs);
    if (b.fenced && !req.wantFence) {
      this.commit(decideUnfenceBroker(this.store.state, req.nodeId));
      this.log.info({ nodeId: req.nodeId, brokerEpoch: b.brokerEpoch }, 'broker unfenced');
    } else if (!b.fenced && req.wantFence) {
      this.commit(decideFenceBroker(this.store.state, req.nodeId, 'requested'));
      this.log.info({ nodeId: req.nodeId, brokerEpoch: b.brokerEpoch }, 'broker fenced at its request');
    }
    const isrResults = (req.isrChanges ?? []).map((c): AlterIsrResult => {
      try {
        return { ok: true, topic: c.topic, partition: this.alterIsr(c) };
      } catch (e) {
        if (!(e instanceof CoordinatorError)) throw e;
        return { ok: false, topic: c.topic, partition: c.partition, error: e.toBody() };
      }
    });
    return {
      status: 'ok',
      fenced: this.store.state.broker(req.nodeId)!.fenced,
      leaseMs: this.config.leaseMs,
      metadataOffset: this.store.state.offset,
      isrResults,
    };
  }

  fetchMetadata(sinceOffset: number): FetchMetadataResponse {
    const entries = this.store.entriesAfter(sinceOffset, this.config.maxFetchEntries);
    if (entries) return { kind: 'deltas', offset: this.store.state.offset, entries };
    const snapshot = this.store.state.toSnapshot();
    return { kind: 'snapshot', offset: snapshot.offset, snapshot };
  }

  createTopic(req: CreateTopicRequest): TopicState {
    const topicId = randomBytes(16).toString('hex');
    const records = decideCreateTopic(this.store.state, req, topicId);
    if (req.validateOnly) {
      const r = records[0] as Extract<MetadataRecord, { type: 'CreateTopic' }>;
      return {
        id: r.topicId,
        name: r.name,
        configs: r.configs,
        internal: r.internal,
        partitions: r.partitions,
      };
    }
    this.commit(records);
    this.log.info(
      { topic: req.name, partitions: req.numPartitions, rf: req.replicationFactor },
      'topic created',
    );
    return this.topicView(req.name);
  }

  deleteTopic(name: string): null {
    this.commit(decideDeleteTopic(this.store.state, name));
    this.log.info({ topic: name }, 'topic deleted');
    return null;
  }

  createPartitions(req: CreatePartitionsRequest): TopicState {
    const records = decideCreatePartitions(this.store.state, req);
    if (!req.validateOnly) this.commit(records);
    return this.topicView(req.name);
  }

  alterIsr(req: AlterIsrRequest): PartitionState {
    const { records, partition } = decideAlterIsr(this.store.state, req);
    this.commit(records);
    return partition;
  }

  /** The next block of producer ids for a broker; durable before it is answered, so no restart reissues it. */
  allocateProducerIds(req: AllocateProducerIdsRequest): AllocateProducerIdsResponse {
    const { block, records } = decideAllocateProducerIds(this.store.state, req);
    this.commit(records);
    this.log.info(
      { nodeId: req.nodeId, firstId: block.firstId, size: block.size },
      'producer id block allocated',
    );
    return block;
  }

  /** Fences every broker whose lease ran out; runs on a timer. Public so tests can drive it with a fake clock. */
  expireLeases(): void {
    try {
      this.fenceExpired();
    } catch (e) {
      // Only a failed metadata write gets here; a coordinator that cannot record fencing must not go on.
      this.log.fatal(
        { err: e },
        'cannot record a lease expiry; exiting so a restart recovers the metadata log',
      );
      process.exit(1);
    }
  }

  private fenceExpired(): void {
    for (const { nodeId, brokerEpoch } of this.leases.takeExpired(this.now())) {
      const b = this.store.state.broker(nodeId);
      if (!b || b.brokerEpoch !== brokerEpoch || b.fenced) continue;
      const records = decideFenceBroker(this.store.state, nodeId, 'lease-expired');
      this.commit(records);
      this.log.warn(
        { nodeId, brokerEpoch, partitionsChanged: records.length - 1, leaseMs: this.config.leaseMs },
        'broker lease expired: fenced, its leaderships moved to other in-sync replicas',
      );
    }
  }

  private topicView(name: string): TopicState {
    const t = this.store.state.topic(name)!;
    return { ...t, configs: { ...t.configs }, partitions: t.partitions.map((p) => ({ ...p })) };
  }

  private commit(records: MetadataRecord[]): void {
    this.store.commit(records);
  }
}
