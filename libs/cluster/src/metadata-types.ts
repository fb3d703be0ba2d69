/** Cluster metadata as handlers read it. The controller (local now, the coordinator later) is the only writer. */
export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface TopicInfo {
  name: string;
  /** 32 hex chars; stable for the topic's life so a re-created topic is a different topic. */
  id: string;
  partitions: PartitionInfo[];
  /** Topic-level overrides only (Kafka names, string values), e.g. cleanup.policy. */
  configs: Record<string, string>;
  internal: boolean;
}

export const TOPIC_NAME_MAX = 249;
/** Topics the broker itself owns (Kafka's internal topics). */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);
const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** Kafka's topic name rules; returns a reason or null. */
export function invalidTopicName(name: string): string | null {
  if (name.length === 0) return 'topic name is empty';
  if (name.length > TOPIC_NAME_MAX) return `topic name is longer than ${TOPIC_NAME_MAX} characters`;
  if (name === '.' || name === '..') return 'topic name cannot be "." or ".."';
  if (!TOPIC_NAME.test(name))
    return `topic name "${name}" may only contain ASCII letters, digits, '.', '_' and '-'`;
  return null;
}
