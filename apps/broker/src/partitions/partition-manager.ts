import type { PartitionInfo, TopicInfo } from '@tributary/cluster';
import { ErrorCode } from '@tributary/protocol';
import { logger } from '@tributary/common';
import {
  fromTopicConfigs,
  HighWatermarkCheckpoint,
  LogManager,
  type LogConfig,
  type PartitionLog,
} from '@tributary/storage';
import type { BrokerConfig } from '../config/broker-config';
import type { MetadataListener } from '../metadata/local-controller';
import { Partition } from './partition';

/**
 * Cluster mode: told after `reconcile` made this broker the leader of a partition (or leader again at a new
 * leader epoch: `isLeader` true) or took leadership away (`isLeader` false, also when the topic is deleted).
 */
export type LeadershipListener = (topic: string, partition: number, isLeader: boolean) => void;

/**
 * Owns the partitions this broker hosts: opens their logs when metadata says they exist and removes them
 * when their topic is deleted. Handlers look partitions up here; they never touch files.
 */
export class PartitionManager implements MetadataListener {
  private readonly log = logger('partitions');
  private readonly partitions = new Map<string, Partition[]>();
  /** Cluster mode: high watermarks saved across restarts; read at the first reconcile. */
  private hwCheckpoint: HighWatermarkCheckpoint | null = null;
  private readonly leadershipListeners: LeadershipListener[] = [];

  constructor(
    private readonly logs: LogManager,
    private readonly config: BrokerConfig,
  ) {}

  /** Opens every partition of the given topics (at startup, after recovery). */
  load(topics: readonly TopicInfo[]): void {
    for (const t of topics) this.topicCreated(t);
  }

  onLeadershipChange(listener: LeadershipListener): void {
    this.leadershipListeners.push(listener);
  }

  get(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(topic)?.[partition];
  }

  /**
   * The partition if this broker leads it, else the error a client gets: NOT_LEADER_OR_FOLLOWER (the client
   * refreshes metadata and goes to the leader) when the partition exists elsewhere, UNKNOWN_TOPIC_OR_PARTITION
   * when it does not exist at all.
   */
  leaderOf(topic: string, partition: number, exists: boolean): Partition | ErrorCode {
    const p = this.get(topic, partition);
    if (p && p.isLeader) return p;
    return p || exists ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  }

  /**
   * Cluster mode: makes the hosted partitions match metadata. Opens a log for every partition `selfId` is a
   * replica of, sets each one's role (leader or follower, epochs, ISR), and drops topics that are gone.
   * Returns the partitions followed here with their leader, for the replica fetchers.
   */
  reconcile(topics: readonly TopicInfo[], selfId: number): FollowedPartition[] {
    const followed: FollowedPartition[] = [];
    const names = new Set<string>();
    for (const t of topics) {
      names.add(t.name);
      let list = this.partitions.get(t.name);
      for (const info of t.partitions) {
        if (!info.replicas.includes(selfId)) continue;
        if (!list) {
          list = [];
          this.partitions.set(t.name, list);
        }
        let p = list[info.partition];
        if (!p) {
          p = new Partition(
            t.name,
            info.partition,
            this.openLog(t.name, info.partition, this.logConfigFor(t)),
          );
          p.enableReplication(selfId, this.highWatermarks().take(t.name, info.partition));
          list[info.partition] = p;
        }
        const wasLeader = p.isLeader;
        const wasEpoch = p.leaderEpoch;
        this.applyRole(p, info, selfId);
        if (p.isLeader !== wasLeader || (p.isLeader && p.leaderEpoch !== wasEpoch))
          this.leadershipChanged(t.name, info.partition, p.isLeader);
        if (!p.isLeader && info.leader >= 0) followed.push({ partition: p, leader: info.leader });
      }
    }
    for (const [name, list] of [...this.partitions]) {
      if (names.has(name)) continue;
      this.partitions.delete(name);
      for (const p of list) if (p?.isLeader) this.leadershipChanged(name, p.index, false);
      for (const p of list) p?.close();
      this.logs.deleteTopic(name);
      this.log.info({ topic: name }, 'topic deleted');
    }
    return followed;
  }

  private leadershipChanged(topic: string, partition: number, isLeader: boolean): void {
    for (const l of this.leadershipListeners) {
      try {
        l(topic, partition, isLeader);
      } catch (e) {
        this.log.error({ err: e, topic, partition, isLeader }, 'a leadership listener failed');
      }
    }
  }

  private highWatermarks(): HighWatermarkCheckpoint {
    if (this.hwCheckpoint === null) {
      this.hwCheckpoint = new HighWatermarkCheckpoint(this.logs.dataDir);
      if (this.hwCheckpoint.problem) this.log.warn(this.hwCheckpoint.problem);
    }
    return this.hwCheckpoint;
  }

  /**
   * Cluster mode: saves every replicated partition's high watermark (periodically and at shutdown). Nothing
   * is written before the first reconcile, so a restart cannot overwrite the saved values with an empty list.
   */
  checkpointHighWatermarks(): void {
    if (this.hwCheckpoint === null) return;
    const entries = this.all()
      .filter((p) => p.isReplicated)
      .map((p) => ({ topic: p.topic, partition: p.index, offset: p.highWatermark }));
    this.hwCheckpoint.write(entries);
  }

  private applyRole(p: Partition, info: PartitionInfo & { partitionEpoch?: number }, selfId: number): void {
    const epoch = info.partitionEpoch ?? 0;
    if (info.leader === selfId) p.becomeLeader(info.leaderEpoch, info.replicas, info.isr, epoch);
    else p.becomeFollower(info.leader, info.leaderEpoch, info.replicas, info.isr, epoch);
  }

  /** Every partition hosted here (the producer-state snapshotter walks them). */
  all(): Partition[] {
    const out: Partition[] = [];
    for (const list of this.partitions.values()) for (const p of list) if (p) out.push(p);
    return out;
  }

  logConfigFor(topic: TopicInfo): LogConfig {
    const c = this.config;
    return fromTopicConfigs({
      'segment.bytes': String(c['log.segment.bytes']),
      'segment.ms': String(c['log.roll.ms']),
      'retention.ms': String(c['log.retention.ms']),
      'retention.bytes': String(c['log.retention.bytes']),
      'cleanup.policy': c['log.cleanup.policy'],
      ...pickLogConfigs(topic.configs),
    });
  }

  topicCreated(topic: TopicInfo): void {
    const config = this.logConfigFor(topic);
    const list = this.partitions.get(topic.name) ?? [];
    for (const p of topic.partitions) {
      if (list[p.partition]) continue;
      list[p.partition] = new Partition(
        topic.name,
        p.partition,
        this.openLog(topic.name, p.partition, config),
      );
    }
    this.partitions.set(topic.name, list);
  }

  partitionsAdded(topic: TopicInfo): void {
    this.topicCreated(topic);
  }

  topicDeleted(topic: TopicInfo): void {
    const list = this.partitions.get(topic.name) ?? [];
    this.partitions.delete(topic.name);
    for (const p of list) p?.close();
    this.logs.deleteTopic(topic.name);
    this.log.info({ topic: topic.name }, 'topic deleted');
  }

  private openLog(topic: string, partition: number, config: LogConfig): PartitionLog {
    return this.logs.getOrCreate(topic, partition, config);
  }
}

/** A partition this broker follows, and the broker it copies from. */
export interface FollowedPartition {
  partition: Partition;
  leader: number;
}

const LOG_KEYS = new Set([
  'segment.bytes',
  'segment.ms',
  'retention.ms',
  'retention.bytes',
  'cleanup.policy',
  'delete.retention.ms',
  'min.cleanable.dirty.ratio',
  'index.interval.bytes',
]);

function pickLogConfigs(configs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(configs)) if (LOG_KEYS.has(k)) out[k] = v;
  return out;
}
