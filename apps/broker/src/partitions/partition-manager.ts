import type { TopicInfo } from '@tributary/cluster';
import { logger } from '@tributary/common';
import { fromTopicConfigs, LogManager, type LogConfig, type PartitionLog } from '@tributary/storage';
import type { BrokerConfig } from '../config/broker-config';
import type { MetadataListener } from '../metadata/local-controller';
import { Partition } from './partition';

/**
 * Owns the partitions this broker hosts: opens their logs when metadata says they exist and removes them
 * when their topic is deleted. Handlers look partitions up here; they never touch files.
 */
export class PartitionManager implements MetadataListener {
  private readonly log = logger('partitions');
  private readonly partitions = new Map<string, Partition[]>();

  constructor(
    private readonly logs: LogManager,
    private readonly config: BrokerConfig,
  ) {}

  /** Opens every partition of the given topics (at startup, after recovery). */
  load(topics: readonly TopicInfo[]): void {
    for (const t of topics) this.topicCreated(t);
  }

  get(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(topic)?.[partition];
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
