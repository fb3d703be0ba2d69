import {
  ApiKey,
  ApiVersionsResponse,
  BrokerConnection,
  ErrorCode,
  MetadataRequest,
  MetadataResponse,
  Reader,
  Writer,
} from '@tributary/protocol';

/** The versions this client speaks per API (all non-flexible; Produce v3+ carries RecordBatch v2). */
const SPOKEN: Partial<Record<ApiKey, { min: number; max: number }>> = {
  [ApiKey.Produce]: { min: 3, max: 7 },
  [ApiKey.Metadata]: { min: 1, max: 8 },
  [ApiKey.InitProducerId]: { min: 0, max: 1 },
};

/** A connection plus the version of each API both sides speak (from ApiVersions on connect). */
export interface Link {
  readonly nodeId: number;
  readonly conn: BrokerConnection;
  readonly versions: ReadonlyMap<ApiKey, number>;
}

/** Where a topic's partitions lead: leaders[p] is the node id, -1 while a partition has no leader. */
export interface TopicLayout {
  readonly leaders: Int32Array;
}

/** An error a retry cannot fix (configuration, authorization, a broker too old); the message says what to do. */
export class FatalKafkaError extends Error {
  override readonly name = 'FatalKafkaError';
}

export function errorName(code: number): string {
  return ErrorCode[code] ?? `error ${code}`;
}

function parseAddress(a: string): { host: string; port: number } {
  const i = a.lastIndexOf(':');
  const port = Number(a.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port))
    throw new FatalKafkaError(`bootstrap address "${a}" is not host:port`);
  return { host: a.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

/**
 * The producer's view of the cluster: one connection per broker (negotiating versions on connect), the
 * broker list and partition leaders from Metadata. Connections that fail are dropped and made again on use.
 */
export class BrokerLinks {
  private readonly nodes = new Map<number, { host: string; port: number }>();
  private readonly links = new Map<number, Promise<Link>>();
  private readonly layouts = new Map<string, TopicLayout>();
  private bootstrapNext = 0;
  /** Used until the first Metadata names the brokers, then closed. */
  private bootstrapLink: Promise<Link> | null = null;

  constructor(
    private readonly bootstrap: readonly string[],
    private readonly clientId: string,
    private readonly requestTimeoutMs: number,
  ) {
    for (const a of bootstrap) parseAddress(a);
  }

  /** A link to broker `nodeId` (from the last Metadata). */
  node(nodeId: number): Promise<Link> {
    const existing = this.links.get(nodeId);
    if (existing) return existing;
    const addr = this.nodes.get(nodeId);
    if (!addr) return Promise.reject(new Error(`broker ${nodeId} is not in the cluster metadata`));
    const p = this.open(nodeId, addr.host, addr.port);
    this.links.set(nodeId, p);
    p.catch(() => this.links.delete(nodeId));
    return p;
  }

  /** A link to any broker: a known one, else the next bootstrap address. */
  async any(): Promise<Link> {
    for (const id of this.nodes.keys()) {
      try {
        return await this.node(id);
      } catch {
        // try the next one
      }
    }
    if (!this.bootstrapLink) {
      const p = this.openBootstrap();
      this.bootstrapLink = p;
      p.catch(() => (this.bootstrapLink = null));
    }
    return this.bootstrapLink;
  }

  private async openBootstrap(): Promise<Link> {
    const errors: string[] = [];
    for (let i = 0; i < this.bootstrap.length; i++) {
      const a = this.bootstrap[this.bootstrapNext++ % this.bootstrap.length]!;
      const { host, port } = parseAddress(a);
      try {
        return await this.open(-1, host, port);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    throw new Error(`no broker reachable (${errors.join('; ')})`);
  }

  /** Drops a link after a failure on it; the next use reconnects. */
  drop(link: Link): void {
    link.conn.destroy();
    if (link.nodeId < 0) this.bootstrapLink = null;
    if (link.nodeId >= 0)
      void this.links.get(link.nodeId)?.then((l) => l === link && this.links.delete(link.nodeId));
  }

  /** Forgets where a topic's partitions lead; the next layout() asks again. */
  invalidate(topic: string): void {
    this.layouts.delete(topic);
  }

  /**
   * The topic's partitions and leaders, from the cache or a Metadata request (which may create the topic when
   * the broker allows it). Throws a retriable Error while the topic has no leaders yet.
   */
  async layout(topic: string): Promise<TopicLayout> {
    const cached = this.layouts.get(topic);
    if (cached) return cached;
    const link = await this.any();
    const version = link.versions.get(ApiKey.Metadata)!;
    const w = new Writer(64);
    MetadataRequest.encode(w, version, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    let body: Buffer;
    try {
      body = await link.conn.requestFrom(ApiKey.Metadata, version, w, this.requestTimeoutMs);
    } catch (e) {
      this.drop(link);
      throw e;
    }
    const res = MetadataResponse.decode(new Reader(body), version);
    if (res.brokers.length > 0) {
      for (const b of res.brokers) {
        const known = this.nodes.get(b.nodeId);
        if (known && (known.host !== b.host || known.port !== b.port)) {
          void this.links.get(b.nodeId)?.then(
            (l) => l.conn.destroy(),
            () => undefined,
          );
          this.links.delete(b.nodeId);
        }
        this.nodes.set(b.nodeId, { host: b.host, port: b.port });
      }
      this.closeBootstrap();
    }
    const t = res.topics.find((x) => x.name === topic);
    if (!t) throw new Error(`the broker's metadata does not list topic "${topic}"`);
    if (t.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION)
      throw new FatalKafkaError(
        `"${topic}" is not a valid topic name; change the connector's topic settings`,
      );
    if (t.errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED)
      throw new FatalKafkaError(`the worker is not authorized to write topic "${topic}"`);
    if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      throw new Error(
        `topic "${topic}" does not exist and was not created automatically; create it (tributary topics create) or enable auto.create.topics.enable`,
      );
    if (t.errorCode !== ErrorCode.NONE || t.partitions.length === 0)
      throw new Error(`topic "${topic}" is not ready (${errorName(t.errorCode)})`);
    const leaders = new Int32Array(t.partitions.length).fill(-1);
    for (const p of t.partitions) {
      if (p.partitionIndex < 0 || p.partitionIndex >= leaders.length)
        throw new Error(`topic "${topic}" metadata lists partition ${p.partitionIndex} of ${leaders.length}`);
      if (p.errorCode === ErrorCode.NONE || p.errorCode === ErrorCode.REPLICA_NOT_AVAILABLE)
        leaders[p.partitionIndex] = p.leaderId;
    }
    const missing = leaders.indexOf(-1);
    if (missing >= 0) throw new Error(`partition ${topic}-${missing} has no leader yet`);
    const layout = { leaders };
    this.layouts.set(topic, layout);
    return layout;
  }

  close(): void {
    this.closeBootstrap();
    for (const p of this.links.values())
      void p.then(
        (l) => l.conn.destroy(),
        () => undefined,
      );
    this.links.clear();
  }

  private closeBootstrap(): void {
    void this.bootstrapLink?.then(
      (l) => l.conn.destroy(),
      () => undefined,
    );
    this.bootstrapLink = null;
  }

  private async open(nodeId: number, host: string, port: number): Promise<Link> {
    const conn = await BrokerConnection.open(host, port, this.clientId, this.requestTimeoutMs);
    try {
      const body = await conn.request(ApiKey.ApiVersions, 0, Buffer.alloc(0), this.requestTimeoutMs);
      const res = ApiVersionsResponse.decode(new Reader(body), 0);
      if (res.errorCode !== ErrorCode.NONE)
        throw new Error(`broker ${host}:${port} answered ApiVersions with ${errorName(res.errorCode)}`);
      const versions = new Map<ApiKey, number>();
      for (const [key, spoken] of Object.entries(SPOKEN) as unknown as [
        ApiKey,
        { min: number; max: number },
      ][]) {
        const api = res.apiKeys.find((k) => k.apiKey === Number(key));
        const v = api ? Math.min(api.maxVersion, spoken.max) : -1;
        if (!api || v < spoken.min || v < api.minVersion)
          throw new FatalKafkaError(
            `broker ${host}:${port} does not serve ${ApiKey[Number(key)]} v${spoken.min}-${spoken.max} ` +
              `(it serves ${api ? `${api.minVersion}-${api.maxVersion}` : 'none'}); the connect worker needs Kafka 0.11 or later`,
          );
        versions.set(Number(key) as ApiKey, v);
      }
      return { nodeId, conn, versions };
    } catch (e) {
      conn.destroy();
      throw e;
    }
  }
}
