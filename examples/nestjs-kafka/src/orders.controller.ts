import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, MessagePattern, Payload } from '@nestjs/microservices';
import { totalOf, type Order, type OrderTotal } from './order';
import { OrdersStore } from './orders.store';

export const ORDER_CREATED = 'orders.created';
export const ORDER_TOTAL = 'orders.total';

@Controller()
export class OrdersController {
  private readonly log = new Logger(OrdersController.name);

  constructor(private readonly store: OrdersStore) {}

  /** Fire-and-forget: the client `emit`s, nothing is sent back. */
  @EventPattern(ORDER_CREATED)
  onOrderCreated(@Payload() order: Order, @Ctx() ctx: KafkaContext): void {
    this.log.log(
      `order ${order.id} from ${order.customer} (partition ${ctx.getPartition()}, offset ${ctx.getMessage().offset})`,
    );
    this.store.add(order);
  }

  /** Request-response: the return value goes to `orders.total.reply`, to the partition the client named. */
  @MessagePattern(ORDER_TOTAL)
  total(@Payload() order: Order): OrderTotal {
    return totalOf(order);
  }
}
