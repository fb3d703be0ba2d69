import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { logger } from '@tributary/common';
import type { HandlerRegistry } from '../handlers/handler-registry';
import { Connection, type ConnectionLimits } from './connection';

/** The Kafka listener: accepts sockets and gives each a Connection. */
export class KafkaServer {
  private readonly log = logger('kafka-server');
  private server: Server | null = null;
  private readonly connections = new Set<Socket>();
  private nextId = 1;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly limits: ConnectionLimits,
  ) {}

  async listen(host: string, port: number): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
      new Connection(socket, this.nextId++, this.registry, this.limits, this.log);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, backlog: 1024 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.log.error({ err: e }, 'listener error'));
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.connections) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
