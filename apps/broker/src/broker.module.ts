import { Module, type DynamicModule } from '@nestjs/common';
import { FlushScheduler, LogManager } from '@tributary/storage';
import { BrokerService } from './broker.service';
import { BROKER_CONFIG } from './broker.tokens';
import type { BrokerConfig } from './config/broker-config';
import type { ApiHandler } from './handlers/api-handler';
import { HandlerRegistry } from './handlers/handler-registry';
import { groupCoordinatorProvider } from './groups/group-coordinator.provider';
import { ApiVersionsHandler, HANDLERS } from './handlers';
import { LocalController } from './metadata/local-controller';
import { MetadataCache } from './metadata/metadata-cache';
import { TopicController } from './metadata/topic-controller';
import { PartitionManager } from './partitions/partition-manager';
import { ProduceAppender } from './partitions/produce-appender';
import { ProducerIdManager } from './producers/producer-id-manager';
import { ProducerSnapshotter } from './producers/producer-snapshotter';

/**
 * The broker: Kafka listener, handlers, partitions and (single-node) controller. Handlers read metadata
 * through MetadataCache and change it through TopicController; both are the LocalController here.
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
          provide: LocalController,
          useFactory: () =>
            new LocalController(config['log.dirs'], {
              nodeId: config['node.id'],
              host: config['advertised.host'] ?? config['listener.host'],
              port: config['listener.port'],
              rack: null,
            }),
        },
        { provide: MetadataCache, useExisting: LocalController },
        { provide: TopicController, useExisting: LocalController },
        {
          provide: PartitionManager,
          inject: [LogManager, LocalController],
          useFactory: (logs: LogManager, controller: LocalController) => {
            const pm = new PartitionManager(logs, config);
            pm.load(controller.topics());
            controller.subscribe(pm);
            return pm;
          },
        },
        ProduceAppender,
        groupCoordinatorProvider,
        { provide: ProducerIdManager, useFactory: () => new ProducerIdManager(config['log.dirs']) },
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
