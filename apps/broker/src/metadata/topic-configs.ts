/**
 * Topic-level settings a client may set at CreateTopics and read with DescribeConfigs, with the broker key
 * that supplies each default. Anything else is refused with INVALID_CONFIG rather than silently ignored.
 */
export const TOPIC_CONFIG_DEFAULTS = {
  'cleanup.policy': 'log.cleanup.policy',
  'retention.ms': 'log.retention.ms',
  'retention.bytes': 'log.retention.bytes',
  'segment.bytes': 'log.segment.bytes',
  'segment.ms': 'log.roll.ms',
  'max.message.bytes': 'message.max.bytes',
  'flush.before.ack': 'log.flush.before.ack',
  'min.insync.replicas': null,
  'delete.retention.ms': null,
  'min.cleanable.dirty.ratio': null,
  'index.interval.bytes': null,
  'unclean.leader.election.enable': null,
  'compression.type': null,
  'message.timestamp.type': null,
} as const;

export type TopicConfigName = keyof typeof TOPIC_CONFIG_DEFAULTS;

export const STATIC_TOPIC_DEFAULTS: Record<string, string> = {
  'min.insync.replicas': '1',
  'delete.retention.ms': '86400000',
  'min.cleanable.dirty.ratio': '0.5',
  'index.interval.bytes': '4096',
  'unclean.leader.election.enable': 'false',
  'compression.type': 'producer',
  'message.timestamp.type': 'CreateTime',
};

const CHECKS: Record<string, (v: string) => boolean> = {
  'cleanup.policy': (v) => ['delete', 'compact', 'compact,delete', 'delete,compact'].includes(v),
  'flush.before.ack': (v) => ['acks-all', 'always', 'never'].includes(v),
  'compression.type': (v) => v === 'producer',
  'message.timestamp.type': (v) => v === 'CreateTime',
  'unclean.leader.election.enable': (v) => v === 'true' || v === 'false',
  'min.cleanable.dirty.ratio': (v) => Number(v) >= 0 && Number(v) <= 1,
};

/** Returns a reason the pair is invalid, or null. */
export function invalidTopicConfig(name: string, value: string | null): string | null {
  if (!(name in TOPIC_CONFIG_DEFAULTS)) {
    return `unknown topic config "${name}"; supported: ${Object.keys(TOPIC_CONFIG_DEFAULTS).join(', ')}`;
  }
  if (value === null) return `topic config "${name}" needs a value`;
  const check = CHECKS[name];
  if (check) return check(value) ? null : `invalid value "${value}" for topic config "${name}"`;
  return /^-?\d+$/.test(value) ? null : `topic config "${name}" must be an integer, got "${value}"`;
}
