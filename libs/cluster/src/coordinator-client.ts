import type { ClientProxy } from '@nestjs/microservices';
import { CoordinatorError } from './coordinator-error';
import {
  CoordinatorPatterns,
  type AllocateProducerIdsRequest,
  type AllocateProducerIdsResponse,
  type AlterIsrRequest,
  type CoordinatorReply,
  type CreatePartitionsRequest,
  type CreateTopicRequest,
  type FetchMetadataResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type RegisterBrokerRequest,
  type RegisterBrokerResponse,
} from './coordinator-protocol';
import type { PartitionState, TopicState } from './metadata-records';

export interface CoordinatorClientOptions {
  host: string;
  port: number;
  /** Per call; a call that takes longer fails with REQUEST_TIMED_OUT (it may still have happened). Default 5000. */
  requestTimeoutMs?: number;
}

/**
 * Typed client of the coordinator's control RPC, for brokers and tools. Every method resolves with the value
 * or rejects with a CoordinatorError (Kafka error name and number). The connection is made on first use and
 * made again after the coordinator restarts; a call in flight when it drops fails and the caller retries.
 */
export class CoordinatorClient {
  private proxy: ClientProxy | null = null;
  private readonly timeoutMs: number;

  constructor(private readonly opts: CoordinatorClientOptions) {
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
  }

  register(req: RegisterBrokerRequest): Promise<RegisterBrokerResponse> {
    return this.call(CoordinatorPatterns.register, req);
  }
  heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.call(CoordinatorPatterns.heartbeat, req);
  }
  fetchMetadata(sinceOffset: number): Promise<FetchMetadataResponse> {
    return this.call(CoordinatorPatterns.fetch, { sinceOffset });
  }
  createTopic(req: CreateTopicRequest): Promise<TopicState> {
    return this.call(CoordinatorPatterns.createTopic, req);
  }
  deleteTopic(name: string): Promise<void> {
    return this.call(CoordinatorPatterns.deleteTopic, { name });
  }
  createPartitions(req: CreatePartitionsRequest): Promise<TopicState> {
    return this.call(CoordinatorPatterns.createPartitions, req);
  }
  alterIsr(req: AlterIsrRequest): Promise<PartitionState> {
    return this.call(CoordinatorPatterns.alterIsr, req);
  }
  allocateProducerIds(req: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse> {
    return this.call(CoordinatorPatterns.allocateProducerIds, req);
  }

  async close(): Promise<void> {
    const p = this.proxy;
    this.proxy = null;
    if (p) await p.close();
  }

  private async call<T>(pattern: string, data: unknown): Promise<T> {
    const proxy = await this.client();
    const { firstValueFrom, timeout } = await import('rxjs');
    let reply: CoordinatorReply<T>;
    try {
      reply = await firstValueFrom(
        proxy.send<CoordinatorReply<T>>(pattern, data).pipe(timeout({ first: this.timeoutMs })),
      );
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new CoordinatorError(
        'REQUEST_TIMED_OUT',
        `coordinator ${this.opts.host}:${this.opts.port} did not answer ${pattern} (${why}); it may be down or restarting, retry`,
      );
    }
    if (!reply.ok) throw CoordinatorError.fromBody(reply.error);
    return reply.value;
  }

  // Loaded on first use: @nestjs/microservices costs a few hundred ms to require, which single-node brokers skip.
  private async client(): Promise<ClientProxy> {
    if (!this.proxy) {
      const { ClientProxyFactory, Transport } = await import('@nestjs/microservices');
      this.proxy = ClientProxyFactory.create({
        transport: Transport.TCP,
        options: { host: this.opts.host, port: this.opts.port },
      });
    }
    return this.proxy;
  }
}
