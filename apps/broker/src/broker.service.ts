import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { logger } from '@tributary/common';
import { LogManager } from '@tributary/storage';
import { BROKER_CONFIG, REPLICATION } from './broker.tokens';
import type { BrokerConfig } from './config/broker-config';
import { HandlerRegistry } from './handlers/handler-registry';
import { BROKER_CONTROLLER, type BrokerController } from './metadata/broker-controller';
import { KafkaServer } from './server/kafka-server';

/** Starts the listener once everything is wired and recovered; stops it before logs close. */
@Injectable()
export class BrokerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = logger('broker');
  private readonly server: KafkaServer;
  private boundPort = -1;

  constructor(
    registry: HandlerRegistry,
    private readonly logs: LogManager,
    @Inject(BROKER_CONTROLLER) private readonly controller: BrokerController,
    @Inject(REPLICATION) private readonly replication: { stop(): void },
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {
    this.server = new KafkaServer(registry, {
      maxFrameBytes: config['socket.request.max.bytes'],
      idleMs: config['connections.max.idle.ms'],
      maxInFlight: 64,
    });
  }

  get port(): number {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    const host = this.config['listener.host'];
    this.boundPort = await this.server.listen(host, this.config['listener.port']);
    this.controller.advertise(this.config['advertised.host'] ?? host, this.boundPort);
    this.controller.start();
    this.logs.startMaintenance(this.config['log.retention.check.interval.ms']);
    this.log.info(
      { host, port: this.boundPort, dataDir: this.config['log.dirs'] },
      `broker ${this.config['node.id']} listening on ${host}:${this.boundPort}`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.replication.stop();
    await this.controller.stop();
    await this.server.close();
    this.logs.stop();
    await this.logs.closeAll();
    this.log.info('broker stopped');
  }
}
