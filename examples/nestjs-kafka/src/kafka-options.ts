import { Partitioners, logLevel } from 'kafkajs';
import { Transport, type KafkaOptions } from '@nestjs/microservices';

/** Where the broker is: TRIBUTARY_BOOTSTRAP, else the address `npm start` listens on. */
export const bootstrapFromEnv = (): string => process.env['TRIBUTARY_BOOTSTRAP'] ?? '127.0.0.1:9092';

/**
 * Stock NestJS Kafka transport options; nothing here is Tributary-specific. Nest appends `-server` and
 * `-client` to the client and group ids. `fromBeginning` makes a new group read events sent before it joined,
 * and lets the reply consumer see replies that arrive while its first position is being resolved.
 */
export function ordersKafkaOptions(bootstrap: string, quiet = false): KafkaOptions {
  return {
    transport: Transport.KAFKA,
    options: {
      client: {
        clientId: 'orders',
        brokers: [bootstrap],
        logLevel: quiet ? logLevel.NOTHING : logLevel.WARN,
        retry: { retries: 5 },
      },
      consumer: { groupId: 'orders' },
      // kafkajs 2's default (Java-compatible murmur2) partitioner, chosen explicitly to silence its warning.
      producer: { createPartitioner: Partitioners.DefaultPartitioner },
      subscribe: { fromBeginning: true },
    },
  };
}
