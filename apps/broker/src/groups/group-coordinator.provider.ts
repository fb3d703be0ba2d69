import type { FactoryProvider } from '@nestjs/common';
import { logger } from '@tributary/common';
import { BROKER_CONFIG } from '../broker.tokens';
import type { BrokerConfig } from '../config/broker-config';
import { MetadataCache } from '../metadata/metadata-cache';
import { TopicController } from '../metadata/topic-controller';
import { PartitionManager } from '../partitions/partition-manager';
import { systemClock } from './clock';
import { GroupCoordinator, type LogEndLookup } from './group-coordinator';
import { GroupLeadership } from './group-leadership';
import { OffsetsTopic } from './offsets-topic';

/**
 * The group coordinator, ready before the listener opens. Single node: `__consumer_offsets` exists and every
 * committed offset and stable group has been replayed from it. Cluster: groups are loaded and unloaded as this
 * broker gains and loses the leadership of their offsets partition (GroupLeadership). Offset retention runs
 * every `offsets.retention.check.interval.ms`.
 */
export const groupCoordinatorProvider: FactoryProvider<GroupCoordinator> = {
  provide: GroupCoordinator,
  inject: [BROKER_CONFIG, MetadataCache, TopicController, PartitionManager],
  useFactory: async (
    config: BrokerConfig,
    metadata: MetadataCache,
    controller: TopicController,
    partitions: PartitionManager,
  ) => {
    const log = logger('groups');
    const clustered = config['coordinator.address'] !== null;
    const topic = new OffsetsTopic(metadata, controller, partitions, config);
    // A cluster creates the topic on first FindCoordinator (enough brokers must be up to replicate it).
    if (!clustered) await topic.ensureCreated();
    const coordinator = new GroupCoordinator(
      {
        minSessionTimeoutMs: config['group.min.session.timeout.ms'],
        maxSessionTimeoutMs: config['group.max.session.timeout.ms'],
        initialRebalanceDelayMs: config['group.initial.rebalance.delay.ms'],
        offsetsRetentionMs: config['offsets.retention.minutes'] * 60_000,
        maxMetadataBytes: config['offset.metadata.max.bytes'],
      },
      systemClock,
      topic,
      clustered
        ? commitBoundInCluster(metadata, partitions)
        : (name, p) => partitions.get(name, p)?.highWatermark ?? null,
    );
    if (clustered) {
      // Nothing is hosted before metadata arrives: each offsets partition is loaded when this broker starts
      // leading it, and unloaded when it stops.
      new GroupLeadership(coordinator, topic, partitions).attach();
    } else {
      const started = Date.now();
      const records = topic.replay((key, value) => coordinator.replay(key, value));
      coordinator.finishLoad();
      log.info({ records, ms: Date.now() - started }, 'replayed the offsets topic');
    }
    coordinator.startRetention(config['offsets.retention.check.interval.ms']);
    return coordinator;
  },
};

/**
 * Cluster mode: the coordinator of a group is rarely the leader of the partitions it commits for, and a
 * follower's copy lags the leader, so a commit is bounded by the log end only where this broker leads the
 * partition (the leader's log end is never below what a consumer read from it, even just after a leader
 * change). Elsewhere the partition only has to exist; like Kafka, the offset itself is not checked.
 */
function commitBoundInCluster(metadata: MetadataCache, partitions: PartitionManager): LogEndLookup {
  return (name, index) => {
    if (!metadata.topic(name)?.partitions[index]) return null;
    const p = partitions.get(name, index);
    return p?.isLeader ? p.logEndOffset : Number.POSITIVE_INFINITY;
  };
}
