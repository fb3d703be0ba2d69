import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CONNECT_WORKER } from './rest/connect.tokens';
import { RootController } from './rest/root.controller';
import { ConnectorsController } from './rest/connectors.controller';
import { PluginsController } from './rest/plugins.controller';
import { ConnectExceptionFilter } from './rest/connect-exception.filter';
import type { ConnectWorker } from './runtime/connect-worker';

/** The connect worker's REST API (Kafka Connect shape) over a running ConnectWorker. */
@Module({})
export class ConnectModule {
  static forWorker(worker: ConnectWorker): DynamicModule {
    return {
      module: ConnectModule,
      controllers: [RootController, ConnectorsController, PluginsController],
      providers: [
        { provide: CONNECT_WORKER, useValue: worker },
        { provide: APP_FILTER, useClass: ConnectExceptionFilter },
      ],
    };
  }
}
