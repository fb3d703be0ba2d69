/** An order as it travels over Kafka (JSON). Prices are in cents so totals are exact. */
export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  customer: string;
  lines: OrderLine[];
}

export interface OrderTotal {
  orderId: string;
  items: number;
  totalCents: number;
}

/** The computation behind the `orders.total` request-response pattern. */
export function totalOf(order: Order): OrderTotal {
  return {
    orderId: order.id,
    items: order.lines.reduce((n, l) => n + l.quantity, 0),
    totalCents: order.lines.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0),
  };
}
