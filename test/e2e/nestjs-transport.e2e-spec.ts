import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import type { ClientKafka, MicroserviceOptions } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { startBroker, type BrokerHandle } from '@tributary/testing';
import { ordersClient } from '../../examples/nestjs-kafka/src/client';
import { ordersKafkaOptions } from '../../examples/nestjs-kafka/src/kafka-options';
import type { Order, OrderTotal } from '../../examples/nestjs-kafka/src/order';
import { ORDER_CREATED, ORDER_TOTAL } from '../../examples/nestjs-kafka/src/orders.controller';
import { OrdersModule } from '../../examples/nestjs-kafka/src/orders.module';
import { OrdersStore } from '../../examples/nestjs-kafka/src/orders.store';

jest.setTimeout(90_000);

/**
 * The stock NestJS Kafka transport (kafkajs underneath, consumer groups on both sides) against a real broker:
 * the example orders microservice runs in this process, a ClientKafka emits events and sends requests.
 */
describe('NestJS Kafka transport: examples/nestjs-kafka', () => {
  let broker: BrokerHandle;
  let app: INestMicroservice;
  let client: ClientKafka;

  const order = (i: number): Order => ({
    id: `order-${i}`,
    customer: `customer-${i % 3}`,
    lines: [
      { sku: 'widget', quantity: i + 1, unitPriceCents: 250 },
      { sku: 'gadget', quantity: 2, unitPriceCents: 1999 },
    ],
  });

  beforeAll(async () => {
    broker = await startBroker();
    app = await NestFactory.createMicroservice<MicroserviceOptions>(OrdersModule, {
      ...ordersKafkaOptions(broker.bootstrap, true),
      logger: ['error'],
    });
    await app.listen();
    client = ordersClient(broker.bootstrap, true);
    await client.connect();
  });

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await broker?.dispose();
  });

  it('delivers emitted events to the @EventPattern handler', async () => {
    const sent = [0, 1, 2, 3, 4].map(order);
    for (const o of sent) await lastValueFrom(client.emit(ORDER_CREATED, o));
    const received = await app.get(OrdersStore).waitFor(sent.length);
    // One partition by default, so arrival order is emit order.
    expect(received).toEqual(sent);
  });

  it('answers ClientKafka.send through the @MessagePattern handler and the reply topic', async () => {
    const replies = await Promise.all(
      [7, 8, 9].map((i) => lastValueFrom(client.send<OrderTotal, Order>(ORDER_TOTAL, order(i)))),
    );
    expect(replies).toEqual([
      { orderId: 'order-7', items: 10, totalCents: 8 * 250 + 2 * 1999 },
      { orderId: 'order-8', items: 11, totalCents: 9 * 250 + 2 * 1999 },
      { orderId: 'order-9', items: 12, totalCents: 10 * 250 + 2 * 1999 },
    ]);
  });
});
