import { Inject, Injectable } from '@nestjs/common';
import { logger } from '@tributary/common';
import type { BrokerInfo } from '@tributary/cluster';
import { ErrorCode } from '@tributary/protocol';
import { BROKER_CONFIG } from '../broker.tokens';
import type { BrokerConfig } from '../config/broker-config';
import { MetadataCache } from '../metadata/metadata-cache';
import { ControllerError, TopicController } from '../metadata/topic-controller';
import { PartitionManager } from '../partitions/partition-manager';
import { GroupCoordinator } from './group-coordinator';
import { OFFSETS_TOPIC, partitionForGroup } from './offsets-topic-records';

export type GroupLocation = { errorCode: ErrorCode.NONE; broker: BrokerInfo } | { errorCode: ErrorCode };

/**
 * Which broker coordinates a group: the leader of the group's `__consumer_offsets` partition. A single-node
 * broker leads all of them, so it owns every group. In a cluster, group requests reaching another broker get
 * NOT_COORDINATOR (the client asks FindCoordinator again), those reaching the new leader before it loaded the
 * partition get COORDINATOR_LOAD_IN_PROGRESS, and the offsets topic is created on first use with
 * `offsets.topic.replication.factor` replicas (at most the live brokers).
 */
@Injectable()
export class GroupOwnership {
  private readonly log = logger('groups');

  constructor(
    private readonly metadata: MetadataCache,
    private readonly controller: TopicController,
    private readonly partitions: PartitionManager,
    private readonly groups: GroupCoordinator,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  get clustered(): boolean {
    return this.config['coordinator.address'] !== null;
  }

  /**
   * NONE when this broker coordinates `groupId` now, else the error to answer group requests with:
   * NOT_COORDINATOR (ask FindCoordinator again) or COORDINATOR_LOAD_IN_PROGRESS (retry shortly).
   */
  check(groupId: string): ErrorCode {
    if (!this.clustered) return ErrorCode.NONE;
    const t = this.metadata.topic(OFFSETS_TOPIC);
    if (!t || t.partitions.length === 0) return ErrorCode.NOT_COORDINATOR;
    const p = this.partitions.get(OFFSETS_TOPIC, partitionForGroup(groupId, t.partitions.length));
    if (!p || !p.isLeader) return ErrorCode.NOT_COORDINATOR;
    // Led here: served once the partition's records are loaded (COORDINATOR_LOAD_IN_PROGRESS until then).
    return this.groups.groupStatus(groupId);
  }

  /** FindCoordinator in a cluster: the broker leading the group's partition. */
  async locate(groupId: string): Promise<GroupLocation> {
    let t = this.metadata.topic(OFFSETS_TOPIC);
    if (!t) {
      const live = this.metadata.brokers().length;
      try {
        t = await this.controller.createTopic({
          name: OFFSETS_TOPIC,
          numPartitions: this.config['offsets.topic.num.partitions'],
          replicationFactor: Math.max(1, Math.min(this.config['offsets.topic.replication.factor'], live)),
          configs: { 'cleanup.policy': 'compact' },
        });
        this.log.info({ partitions: t.partitions.length }, `created internal topic ${OFFSETS_TOPIC}`);
      } catch (e) {
        if (!(e instanceof ControllerError)) throw e;
        t = this.metadata.topic(OFFSETS_TOPIC); // another broker may have created it first
        if (!t) {
          this.log.warn({ err: e.message }, `cannot create ${OFFSETS_TOPIC} yet`);
          return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
        }
      }
    }
    const p = t.partitions[partitionForGroup(groupId, t.partitions.length)];
    const broker =
      p && p.leader >= 0 ? this.metadata.brokers().find((b) => b.nodeId === p.leader) : undefined;
    return broker
      ? { errorCode: ErrorCode.NONE, broker }
      : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  }
}
