import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { bootstrapFromEnv, ordersKafkaOptions } from './kafka-options';
import { OrdersModule } from './orders.module';

/** Runs the orders microservice: consumes `orders.created` events and answers `orders.total` requests. */
async function main(): Promise<void> {
  const bootstrap = bootstrapFromEnv();
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(
    OrdersModule,
    ordersKafkaOptions(bootstrap),
  );
  app.enableShutdownHooks();
  await app.listen();
  console.log(`orders microservice listening on Kafka at ${bootstrap}`);
}

main().catch((e: unknown) => {
  console.error(
    `orders microservice failed to start: ${e instanceof Error ? e.message : String(e)}; is the broker running (npm start)?`,
  );
  process.exit(1);
});
