import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@tributary/protocol';
import { INTERNAL_TOPICS, invalidTopicName, type BrokerInfo, type TopicInfo } from '@tributary/cluster';
import type { BrokerController } from './broker-controller';
import { MetadataCache } from './metadata-cache';
import { ControllerError, TopicController, type CreateTopicSpec } from './topic-controller';
import { invalidTopicConfig } from './topic-configs';

export interface MetadataListener {
  topicCreated(topic: TopicInfo): void;
  topicDeleted(topic: TopicInfo): void;
  partitionsAdded(topic: TopicInfo, from: number): void;
}

interface Snapshot {
  version: 1;
  clusterId: string;
  topics: TopicInfo[];
}

/**
 * Single-node controller: this broker leads every partition. Metadata is a JSON snapshot written with
 * write-temp + fsync + rename, so a crash leaves either the old or the new state. The coordinator replaces
 * this class in multi-broker clusters; handlers only see MetadataCache and TopicController.
 */
export class LocalController extends MetadataCache implements TopicController, BrokerController {
  private readonly file: string;
  private readonly state: Snapshot;
  private readonly byName = new Map<string, TopicInfo>();
  private readonly listeners: MetadataListener[] = [];

  constructor(
    dataDir: string,
    private readonly self: BrokerInfo,
  ) {
    super();
    const dir = join(dataDir, '__metadata');
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'topics.json');
    this.state = this.load();
    for (const t of this.state.topics) this.byName.set(t.name, t);
  }

  private load(): Snapshot {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Snapshot;
      if (parsed.version !== 1) throw new Error(`unsupported metadata version ${String(parsed.version)}`);
      return parsed;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        const fresh: Snapshot = { version: 1, clusterId: randomUUID(), topics: [] };
        this.persist(fresh);
        return fresh;
      }
      throw new Error(`cannot read cluster metadata ${this.file}: ${(e as Error).message}`);
    }
  }

  private persist(s: Snapshot = this.state): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(s, null, 1));
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
  }

  /** The listener's real address, known once it is bound (port 0 picks a free one). */
  advertise(host: string, port: number): void {
    this.self.host = host;
    this.self.port = port;
  }

  /** Nothing to join: a single node is its own cluster. */
  start(): void {}
  async stop(): Promise<void> {}

  subscribe(l: MetadataListener): void {
    this.listeners.push(l);
  }

  clusterId(): string {
    return this.state.clusterId;
  }
  controllerId(): number {
    return this.self.nodeId;
  }
  brokers(): readonly BrokerInfo[] {
    return [this.self];
  }
  topic(name: string): TopicInfo | undefined {
    return this.byName.get(name);
  }
  topics(): readonly TopicInfo[] {
    return this.state.topics;
  }

  async createTopic(spec: CreateTopicSpec, validateOnly = false): Promise<TopicInfo> {
    const bad = invalidTopicName(spec.name);
    if (bad) throw new ControllerError(ErrorCode.INVALID_TOPIC_EXCEPTION, bad);
    if (this.byName.has(spec.name)) {
      throw new ControllerError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${spec.name}" already exists`);
    }
    if (spec.numPartitions < 1 || spec.numPartitions > 100_000) {
      throw new ControllerError(
        ErrorCode.INVALID_PARTITIONS,
        `number of partitions must be between 1 and 100000, got ${spec.numPartitions}`,
      );
    }
    if (spec.replicationFactor !== 1) {
      throw new ControllerError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `replication factor ${spec.replicationFactor} is larger than the 1 available broker; use 1 on a single-node broker`,
      );
    }
    for (const [k, v] of Object.entries(spec.configs)) {
      const why = invalidTopicConfig(k, v);
      if (why) throw new ControllerError(ErrorCode.INVALID_CONFIG, why);
    }
    const topic: TopicInfo = {
      name: spec.name,
      id: randomBytes(16).toString('hex'),
      partitions: Array.from({ length: spec.numPartitions }, (_, p) => this.partition(p)),
      configs: { ...spec.configs },
      internal: INTERNAL_TOPICS.has(spec.name),
    };
    if (validateOnly) return topic;
    this.state.topics.push(topic);
    this.byName.set(topic.name, topic);
    this.persist();
    for (const l of this.listeners) l.topicCreated(topic);
    return topic;
  }

  async deleteTopic(name: string): Promise<void> {
    const topic = this.byName.get(name);
    if (!topic)
      throw new ControllerError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
    if (topic.internal) {
      // Deleting __consumer_offsets would lose every group's committed offsets.
      throw new ControllerError(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `topic "${name}" is internal to the broker and cannot be deleted`,
      );
    }
    this.state.topics = this.state.topics.filter((t) => t !== topic);
    this.byName.delete(name);
    this.persist();
    for (const l of this.listeners) l.topicDeleted(topic);
  }

  async createPartitions(name: string, totalCount: number, validateOnly = false): Promise<TopicInfo> {
    const topic = this.byName.get(name);
    if (!topic)
      throw new ControllerError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
    const from = topic.partitions.length;
    if (totalCount <= from) {
      throw new ControllerError(
        ErrorCode.INVALID_PARTITIONS,
        `topic "${name}" has ${from} partitions; the new count must be larger (partitions can only be added)`,
      );
    }
    if (validateOnly) return topic;
    for (let p = from; p < totalCount; p++) topic.partitions.push(this.partition(p));
    this.persist();
    for (const l of this.listeners) l.partitionsAdded(topic, from);
    return topic;
  }

  private partition(p: number) {
    return {
      partition: p,
      leader: this.self.nodeId,
      leaderEpoch: 0,
      replicas: [this.self.nodeId],
      isr: [this.self.nodeId],
    };
  }
}
