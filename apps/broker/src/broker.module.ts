import { Module, type DynamicModule } from '@nestjs/common';
import { FlushScheduler, LogManager } from '@tributary/storage';
import { BrokerService } from './broker.service';
import { BROKER_CONFIG, REPLICATION } from './broker.tokens';
import type { BrokerConfig } from './config/broker-config';
import type { ApiHandler } from './handlers/api-handler';
import { HandlerRegistry } from './handlers/handler-registry';
import { groupCoordinatorProvider } from './groups/group-coordinator.provider';
import { GroupOwnership } from './groups/group-ownership';
import { ApiVersionsHandler, HANDLERS } from './handlers';
import { BROKER_CONTROLLER, type BrokerController } from './metadata/broker-controller';
import { CoordinatorController } from './metadata/coordinator-controller';
import { LocalController } from './metadata/local-controller';
import { MetadataCache } from './metadata/metadata-cache';
import { TopicController } from './metadata/topic-controller';
import { PartitionManager } from './partitions/partition-manager';
import { ProduceAppender } from './partitions/produce-appender';
import { CoordinatorProducerIdAllocator } from './producers/coordinator-producer-id-allocator';
import { ProducerIdAllocator } from './producers/producer-id-allocator';
import { ProducerIdManager } from './producers/producer-id-manager';
import { ProducerSnapshotter } from './producers/producer-snapshotter';
import { ReplicaManager } from './replication/replica-manager';

/**
 * The broker: Kafka listener, handlers, partitions and controller. Handlers read metadata through
 * MetadataCache and change it through TopicController. Without `coordinator.address` both are the single-node
 * LocalController; with it, the CoordinatorController (metadata from the coordinator) plus the ReplicaManager
 * (leader/follower roles, replica fetchers, ISR upkeep).
 */
@Module({})
export class BrokerModule {
  static forRoot(config: BrokerConfig): DynamicModule {
    return {
      module: BrokerModule,
      providers: [
        { provide: BROKER_CONFIG, useValue: config },
        { provide: LogManager, useFactory: () => new LogManager(config['log.dirs'], new FlushScheduler()) },
        {
          provide: BROKER_CONTROLLER,
          useFactory: (): BrokerController => {
            const self = {
              nodeId: config['node.id'],
              host: config['advertised.host'] ?? config['listener.host'],
              port: config['listener.port'],
              rack: config['broker.rack'],
            };
            const address = config['coordinator.address'];
            return address === null
              ? new LocalController(config['log.dirs'], self)
              : new CoordinatorController(address, self);
          },
        },
        { provide: MetadataCache, useExisting: BROKER_CONTROLLER },
        { provide: TopicController, useExisting: BROKER_CONTROLLER },
        {
          provide: PartitionManager,
          inject: [LogManager, BROKER_CONTROLLER],
          useFactory: (logs: LogManager, controller: BrokerController) => {
            const pm = new PartitionManager(logs, config);
            if (controller instanceof LocalController) {
              pm.load(controller.topics());
              controller.subscribe(pm);
            }
            return pm;
          },
        },
        {
          provide: REPLICATION,
          inject: [BROKER_CONTROLLER, PartitionManager],
          useFactory: (controller: BrokerController, pm: PartitionManager): { stop(): void } => {
            if (!(controller instanceof CoordinatorController)) return { stop: () => undefined };
            const replicas = new ReplicaManager(controller, pm, config);
            replicas.start();
            return replicas;
          },
        },
        GroupOwnership,
        ProduceAppender,
        groupCoordinatorProvider,
        {
          // Single node: a file-backed id counter; cluster: blocks from the coordinator (unique cluster-wide).
          provide: ProducerIdAllocator,
          inject: [BROKER_CONTROLLER],
          useFactory: (controller: BrokerController): ProducerIdAllocator =>
            controller instanceof CoordinatorController
              ? new CoordinatorProducerIdAllocator(() => controller.allocateProducerIds())
              : new ProducerIdManager(config['log.dirs']),
        },
        ProducerSnapshotter,
        ...HANDLERS,
        {
          provide: HandlerRegistry,
          inject: [...HANDLERS],
          useFactory: (...handlers: ApiHandler[]) => {
            const registry = new HandlerRegistry(handlers);
            for (const h of handlers) if (h instanceof ApiVersionsHandler) h.attach(registry);
            return registry;
          },
        },
        BrokerService,
      ],
      exports: [BrokerService, MetadataCache, TopicController, PartitionManager],
    };
  }
}
