import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import type { CoordinatorConfig } from './config/coordinator-config';
import { CoordinatorController } from './coordinator.controller';
import { CoordinatorService } from './coordinator.service';
import { COORDINATOR_CLOCK, COORDINATOR_CONFIG, type Clock } from './coordinator.tokens';
import { MetadataStore } from './metadata/metadata-store';

/** The coordinator: durable metadata store, the controller logic, and the control RPC endpoints. */
@Module({})
export class CoordinatorModule {
  static forRoot(config: CoordinatorConfig, clock: Clock = Date.now): DynamicModule {
    return {
      module: CoordinatorModule,
      controllers: [CoordinatorController],
      providers: [
        { provide: COORDINATOR_CONFIG, useValue: config },
        { provide: COORDINATOR_CLOCK, useValue: clock },
        {
          provide: MetadataStore,
          useFactory: () =>
            MetadataStore.open(join(config.dataDir, 'metadata'), {
              snapshotEvery: config.snapshotEvery,
              retainEntries: config.retainEntries,
            }),
        },
        CoordinatorService,
      ],
      exports: [CoordinatorService],
    };
  }
}
