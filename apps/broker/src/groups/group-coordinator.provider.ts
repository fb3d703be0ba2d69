import type { FactoryProvider } from '@nestjs/common';
import { logger } from '@tributary/common';
import { BROKER_CONFIG } from '../broker.tokens';
import type { BrokerConfig } from '../config/broker-config';
import { MetadataCache } from '../metadata/metadata-cache';
import { TopicController } from '../metadata/topic-controller';
import { PartitionManager } from '../partitions/partition-manager';
import { systemClock } from './clock';
import { GroupCoordinator } from './group-coordinator';
import { OffsetsTopic } from './offsets-topic';

/**
 * The group coordinator of this (single) broker, ready before the listener opens: `__consumer_offsets`
 * exists, every committed offset and stable group has been replayed from it, and offset retention runs
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
      (name, p) => partitions.get(name, p)?.highWatermark ?? null,
    );
    const started = Date.now();
    // Cluster mode: nothing is hosted before metadata arrives, so nothing is replayed (see ARCHITECTURE.md).
    const records = clustered ? 0 : topic.replay((key, value) => coordinator.replay(key, value));
    coordinator.finishLoad();
    log.info({ records, ms: Date.now() - started }, 'replayed the offsets topic');
    coordinator.startRetention(config['offsets.retention.check.interval.ms']);
    return coordinator;
  },
};
