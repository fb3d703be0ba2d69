import 'reflect-metadata';
import { ClientKafka } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { bootstrapFromEnv, ordersKafkaOptions } from './kafka-options';
import type { Order, OrderTotal } from './order';
import { ORDER_CREATED, ORDER_TOTAL } from './orders.controller';

/** Builds a ClientKafka for the orders patterns; call `connect()` before use and `close()` after. */
export function ordersClient(bootstrap: string, quiet = false): ClientKafka {
  const client = new ClientKafka(ordersKafkaOptions(bootstrap, quiet).options ?? {});
  // Before connect: the client's consumer subscribes to `orders.total.reply` for the answers.
  client.subscribeToResponseOf(ORDER_TOTAL);
  return client;
}

/** Demo: emits one order event, then asks the microservice for the order's total. */
async function main(): Promise<void> {
  const client = ordersClient(bootstrapFromEnv());
  await client.connect();
  try {
    const order: Order = {
      id: `o-${Date.now()}`,
      customer: 'ada',
      lines: [
        { sku: 'tea', quantity: 2, unitPriceCents: 450 },
        { sku: 'scone', quantity: 3, unitPriceCents: 275 },
      ],
    };
    await lastValueFrom(client.emit(ORDER_CREATED, order));
    console.log(`emitted ${ORDER_CREATED} ${order.id}`);
    const total = await lastValueFrom(client.send<OrderTotal, Order>(ORDER_TOTAL, order));
    console.log(`${ORDER_TOTAL} replied: ${JSON.stringify(total)}`);
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(
      `orders client failed: ${e instanceof Error ? e.message : String(e)}; are the broker (npm start) and the microservice running?`,
    );
    process.exit(1);
  });
}
