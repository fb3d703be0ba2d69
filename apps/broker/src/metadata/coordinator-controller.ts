import { logger } from '@tributary/common';
import {
  ClusterState,
  CoordinatorClient,
  CoordinatorError,
  invalidTopicName,
  type BrokerInfo,
  type FetchMetadataResponse,
  type PartitionState,
  type TopicInfo,
} from '@tributary/cluster';
import { ErrorCode } from '@tributary/protocol';
import type { BrokerController } from './broker-controller';
import { MetadataCache } from './metadata-cache';
import { invalidTopicConfig } from './topic-configs';
import { ControllerError, TopicController, type CreateTopicSpec } from './topic-controller';

/** Called after metadata changed (entries applied or a snapshot loaded). */
export type ClusterListener = () => void;

/** Registration retry while the coordinator is unreachable. */
const RETRY_MS = 500;
/** Longest a request waits for the coordinator's metadata before answering UNKNOWN_TOPIC or NOT_LEADER. */
const CATCH_UP_MS = 1000;

/**
 * Cluster mode: this broker's metadata comes from the coordinator. It registers (keeping the broker epoch it
 * is given), heartbeats every `heartbeatIntervalMs`, follows the metadata log from the offset it applied
 * (deltas applied to a ClusterState, or a whole snapshot when far behind), and registers again when the
 * coordinator says this incarnation was replaced. Topic changes are forwarded to the coordinator; Kafka error
 * codes come back in CoordinatorError.kafkaCode.
 */
export class CoordinatorController extends MetadataCache implements TopicController, BrokerController {
  private readonly log = logger('cluster');
  private readonly client: CoordinatorClient;
  private state = new ClusterState();
  private brokerEpochValue = -1;
  private heartbeatMs = 1000;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private refreshing: Promise<void> | null = null;
  /** Metadata fetches started, and the newest one finished (refreshedSince compares them to a mark). */
  private refreshStarts = 0;
  private refreshDone = 0;
  private readonly listeners: ClusterListener[] = [];
  private brokerCache: { offset: number; brokers: BrokerInfo[] } = { offset: -1, brokers: [] };
  private lastWarn = 0;

  constructor(
    readonly address: string,
    private readonly self: BrokerInfo,
  ) {
    super();
    const colon = address.lastIndexOf(':');
    this.client = new CoordinatorClient({
      host: address.slice(0, colon),
      port: Number(address.slice(colon + 1)),
    });
  }

  get nodeId(): number {
    return this.self.nodeId;
  }
  /** This incarnation's registration; -1 before the first one. */
  get brokerEpoch(): number {
    return this.brokerEpochValue;
  }
  get metadataOffset(): number {
    return this.state.offset;
  }

  advertise(host: string, port: number): void {
    this.self.host = host;
    this.self.port = port;
  }

  subscribe(l: ClusterListener): void {
    this.listeners.push(l);
  }

  start(): void {
    void this.registerLoop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.brokerEpochValue >= 0) {
      // Ask to be fenced: our leaderships move to other ISR members now rather than at lease expiry.
      await this.client
        .heartbeat({ nodeId: this.self.nodeId, brokerEpoch: this.brokerEpochValue, wantFence: true })
        .catch(() => undefined);
    }
    await this.client.close().catch(() => undefined);
  }

  // ---- MetadataCache ----

  clusterId(): string {
    return this.state.clusterId;
  }
  /** Any broker takes admin requests (it forwards them to the coordinator), so each names itself. */
  controllerId(): number {
    return this.self.nodeId;
  }
  brokers(): readonly BrokerInfo[] {
    if (this.brokerCache.offset !== this.state.offset) {
      const brokers = this.state
        .liveBrokers()
        .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
      this.brokerCache = { offset: this.state.offset, brokers };
    }
    return this.brokerCache.brokers;
  }
  /** Endpoint of any registered broker, fenced or not (replica fetchers need their leader's). */
  broker(nodeId: number): BrokerInfo | undefined {
    return this.state.broker(nodeId);
  }
  /** Registered and not fenced: may lead and be in an ISR. */
  isLive(nodeId: number): boolean {
    return this.state.isLive(nodeId);
  }
  topic(name: string): TopicInfo | undefined {
    return this.state.topic(name);
  }
  topics(): readonly TopicInfo[] {
    return this.state.topics();
  }
  partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.state.topic(topic)?.partitions[partition];
  }

  override refreshMark(): number {
    return this.refreshStarts;
  }

  /** Waits for a metadata fetch that started after `mark` (see MetadataCache), at most CATCH_UP_MS. */
  override refreshedSince(mark: number): Promise<void> | null {
    if (this.refreshDone > mark) return null;
    // A fetch already under way may have started before the request arrived: then one more is needed.
    const inFlight = this.refreshing;
    const caughtUp = inFlight
      ? inFlight.then(() => (this.refreshDone > mark ? undefined : this.refresh()))
      : this.refresh();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CATCH_UP_MS);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      caughtUp.then(done, done);
    });
  }

  // ---- TopicController ----

  async createTopic(spec: CreateTopicSpec, validateOnly = false): Promise<TopicInfo> {
    const bad = invalidTopicName(spec.name);
    if (bad) throw new ControllerError(ErrorCode.INVALID_TOPIC_EXCEPTION, bad);
    for (const [k, v] of Object.entries(spec.configs)) {
      const why = invalidTopicConfig(k, v);
      if (why) throw new ControllerError(ErrorCode.INVALID_CONFIG, why);
    }
    const created = await this.forward(() =>
      this.client.createTopic({
        name: spec.name,
        numPartitions: spec.numPartitions,
        replicationFactor: spec.replicationFactor,
        configs: spec.configs,
        validateOnly,
      }),
    );
    if (validateOnly) return created;
    await this.refresh();
    return this.state.topic(spec.name) ?? created;
  }

  async deleteTopic(name: string): Promise<void> {
    await this.forward(() => this.client.deleteTopic(name));
    await this.refresh();
  }

  async createPartitions(name: string, totalCount: number, validateOnly = false): Promise<TopicInfo> {
    const t = await this.forward(() => this.client.createPartitions({ name, totalCount, validateOnly }));
    if (validateOnly) return t;
    await this.refresh();
    return this.state.topic(name) ?? t;
  }

  /** Leader: asks the coordinator for a new ISR (compare-and-set on the partition epoch it last saw). */
  alterIsr(
    topic: string,
    partition: number,
    leaderEpoch: number,
    partitionEpoch: number,
    newIsr: number[],
  ): Promise<PartitionState> {
    return this.client.alterIsr({
      topic,
      partition,
      leaderId: this.self.nodeId,
      brokerEpoch: this.brokerEpochValue,
      leaderEpoch,
      partitionEpoch,
      newIsr,
    });
  }

  /** The next block of producer ids for this incarnation (AllocateProducerIds); rejects when unreachable. */
  allocateProducerIds(): Promise<{ firstId: number; size: number }> {
    if (this.brokerEpochValue < 0) {
      return Promise.reject(
        new Error(`broker ${this.self.nodeId} is not registered with coordinator ${this.address} yet`),
      );
    }
    return this.client.allocateProducerIds({ nodeId: this.self.nodeId, brokerEpoch: this.brokerEpochValue });
  }

  private async forward<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof CoordinatorError) throw new ControllerError(e.kafkaCode, e.message);
      throw e;
    }
  }

  // ---- following the coordinator ----

  /** Fetches and applies metadata until caught up with the coordinator. One fetch loop at a time. */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const started = ++this.refreshStarts;
    this.refreshing = this.fetchAll().finally(() => {
      this.refreshing = null;
      this.refreshDone = Math.max(this.refreshDone, started);
    });
    return this.refreshing;
  }

  private async fetchAll(): Promise<void> {
    let changed = false;
    try {
      for (;;) {
        const res = await this.client.fetchMetadata(this.state.offset);
        changed = this.applyFetched(res) || changed;
        if (res.kind === 'snapshot' || this.state.offset >= res.offset) break;
      }
    } finally {
      if (changed) this.notify();
    }
  }

  private applyFetched(res: FetchMetadataResponse): boolean {
    if (res.kind === 'snapshot') {
      this.state = ClusterState.fromSnapshot(res.snapshot);
      return true;
    }
    let changed = false;
    for (const e of res.entries) {
      if (e.offset <= this.state.offset) continue;
      this.state.apply(e);
      changed = true;
    }
    return changed;
  }

  private notify(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        this.log.error({ err: e }, 'applying cluster metadata to this broker failed');
      }
    }
  }

  private async registerLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        const res = await this.client.register({
          nodeId: this.self.nodeId,
          host: this.self.host,
          port: this.self.port,
          rack: this.self.rack,
        });
        this.brokerEpochValue = res.brokerEpoch;
        this.heartbeatMs = res.heartbeatIntervalMs;
        await this.refresh();
        this.log.info(
          {
            nodeId: this.self.nodeId,
            brokerEpoch: res.brokerEpoch,
            clusterId: res.clusterId,
            metadataOffset: this.state.offset,
          },
          `broker ${this.self.nodeId} registered with coordinator ${this.address}`,
        );
        this.scheduleHeartbeat(0);
        return;
      } catch (e) {
        this.warn(e, `cannot register with coordinator ${this.address}; retrying`);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  private scheduleHeartbeat(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.heartbeat(), ms);
  }

  private async heartbeat(): Promise<void> {
    try {
      const res = await this.client.heartbeat({
        nodeId: this.self.nodeId,
        brokerEpoch: this.brokerEpochValue,
      });
      if (res.status === 'fenced') {
        this.log.warn(
          { reason: res.reason },
          'the coordinator replaced this registration; registering again',
        );
        void this.registerLoop();
        return;
      }
      if (res.metadataOffset > this.state.offset) await this.refresh();
    } catch (e) {
      this.warn(e, `heartbeat to coordinator ${this.address} failed; will retry`);
    }
    this.scheduleHeartbeat(this.heartbeatMs);
  }

  /** At most one warning a few seconds while the coordinator is away. */
  private warn(e: unknown, msg: string): void {
    const now = Date.now();
    if (now - this.lastWarn < 5000) return;
    this.lastWarn = now;
    this.log.warn({ err: e instanceof Error ? e.message : String(e) }, msg);
  }
}
