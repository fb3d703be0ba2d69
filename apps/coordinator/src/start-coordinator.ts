import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { logger } from '@tributary/common';
import type { CoordinatorConfig } from './config/coordinator-config';
import { CoordinatorModule } from './coordinator.module';

/** Recovers the metadata and serves the control RPC on config.host:config.port (Nest TCP transport). */
export async function startCoordinator(config: CoordinatorConfig): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(CoordinatorModule.forRoot(config), {
    transport: Transport.TCP,
    options: { host: config.host, port: config.port },
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.listen();
  logger('coordinator').info(
    { host: config.host, port: config.port, dataDir: config.dataDir, leaseMs: config.leaseMs },
    'coordinator listening',
  );
  return app;
}
