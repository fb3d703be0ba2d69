import { Injectable } from '@nestjs/common';
import type { Order } from './order';

/** Orders received through the `orders.created` event, in arrival order (in memory; an example, not a database). */
@Injectable()
export class OrdersStore {
  private readonly orders: Order[] = [];
  private waiters: { count: number; resolve: (orders: Order[]) => void }[] = [];

  add(order: Order): void {
    this.orders.push(order);
    const ready = this.waiters.filter((w) => this.orders.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.orders.length < w.count);
    for (const w of ready) w.resolve([...this.orders]);
  }

  all(): Order[] {
    return [...this.orders];
  }

  /** Resolves once at least `count` orders have arrived. */
  waitFor(count: number): Promise<Order[]> {
    if (this.orders.length >= count) return Promise.resolve([...this.orders]);
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}
