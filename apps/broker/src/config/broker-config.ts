import { z } from 'zod';
import { ConfigError, suggest } from '@tributary/common';

const MiB = 1024 * 1024;

/**
 * Broker settings, named as in Apache Kafka where Kafka has the setting, so an operator's knowledge carries over.
 * The table is the single source: it validates config files, fills defaults and documents each key.
 */
export const BROKER_SETTINGS = {
  'node.id': { schema: z.number().int().min(0), default: 0, doc: "This broker's id in Metadata responses." },
  'coordinator.address': {
    schema: z
      .string()
      .regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port of the coordinator, e.g. 127.0.0.1:9093')
      .nullable(),
    default: null,
    doc: 'host:port of the cluster coordinator. Unset: a single-node broker that leads every partition itself.',
  },
  'broker.rack': {
    schema: z.string().min(1).nullable(),
    default: null,
    doc: "This broker's rack (cluster mode): replicas of a partition are spread over racks when every broker has one.",
  },
  'replica.lag.time.max.ms': {
    schema: z.number().int().min(100),
    default: 30_000,
    doc: 'A follower that has not caught up with its leader for this long leaves the ISR (cluster mode).',
  },
  'replica.fetch.wait.max.ms': {
    schema: z.number().int().min(1),
    default: 500,
    doc: "Longest a follower's fetch waits at its leader for new data (cluster mode).",
  },
  'replica.fetch.max.bytes': {
    schema: z
      .number()
      .int()
      .min(64 * 1024)
      .max(64 * MiB),
    default: MiB,
    doc:
      'Most a follower asks its leader for per partition and fetch (cluster mode). A follower copies one fetch at a ' +
      'time, so a larger value lets it keep up with a fast producer in fewer round trips, at that much memory per fetch.',
  },
  'offsets.topic.replication.factor': {
    schema: z.number().int().min(1),
    default: 3,
    doc: 'Replication factor of __consumer_offsets when a cluster creates it (capped at the live brokers).',
  },
  'listener.host': {
    schema: z.string().min(1),
    default: '127.0.0.1',
    doc: 'Address the Kafka listener binds.',
  },
  'listener.port': {
    schema: z.number().int().min(0).max(65535),
    default: 9092,
    doc: 'Kafka listener port (0 = any free port).',
  },
  'advertised.host': {
    schema: z.string().min(1).nullable(),
    default: null,
    doc: 'Host clients are told to connect to; defaults to listener.host.',
  },
  'log.dirs': {
    schema: z.string().min(1),
    default: './data',
    doc: 'Data directory for partition logs and metadata.',
  },
  'auto.create.topics.enable': {
    schema: z.boolean(),
    default: true,
    doc: 'Create unknown topics when a client asks Metadata for them.',
  },
  'num.partitions': {
    schema: z.number().int().min(1).max(10000),
    default: 1,
    doc: 'Partitions of an auto-created topic.',
  },
  'default.replication.factor': {
    schema: z.number().int().min(1),
    default: 1,
    doc: 'Replication factor of auto-created topics.',
  },
  'socket.request.max.bytes': {
    schema: z.number().int().min(1024),
    default: 100 * MiB,
    doc: 'Largest request frame accepted; larger ones close the connection before anything is allocated.',
  },
  'message.max.bytes': {
    schema: z.number().int().min(64),
    default: 1048588,
    doc: 'Largest record batch accepted (MESSAGE_TOO_LARGE above it).',
  },
  'log.segment.bytes': {
    schema: z.number().int().min(1024),
    default: 1024 * MiB,
    doc: 'Roll a segment past this size.',
  },
  'log.roll.ms': {
    schema: z.number().int().min(1),
    default: 7 * 24 * 3600_000,
    doc: 'Roll a segment after this age.',
  },
  'log.retention.ms': {
    schema: z.number().int().min(-1),
    default: 7 * 24 * 3600_000,
    doc: 'Delete segments older than this (-1: keep forever).',
  },
  'log.retention.bytes': {
    schema: z.number().int().min(-1),
    default: -1,
    doc: 'Delete old segments past this partition size (-1: no limit).',
  },
  'log.cleanup.policy': {
    schema: z.enum(['delete', 'compact', 'compact,delete']),
    default: 'delete',
    doc: 'Default cleanup policy of new topics.',
  },
  'log.retention.check.interval.ms': {
    schema: z.number().int().min(100),
    default: 300_000,
    doc: 'How often retention and compaction run.',
  },
  'log.flush.before.ack': {
    schema: z.enum(['acks-all', 'always', 'never']),
    default: 'acks-all',
    doc: 'When a produce waits for fsync (group commit): for acks=all requests (default), for every acked request, or never (durability from replication only).',
  },
  'connections.max.idle.ms': {
    schema: z.number().int().min(1000),
    default: 600_000,
    doc: 'Close connections idle this long.',
  },
  'fetch.max.bytes': {
    schema: z.number().int().min(1024),
    default: 57671680,
    doc: 'Upper bound on the bytes one Fetch response carries, whatever the client asks (at least one batch always goes).',
  },
  'fetch.max.wait.cap.ms': {
    schema: z.number().int().min(0),
    default: 30_000,
    doc: 'Upper bound on a Fetch max_wait_ms.',
  },
  'offsets.topic.num.partitions': {
    schema: z.number().int().min(1).max(1000),
    default: 50,
    doc: 'Partitions of the internal __consumer_offsets topic when it is created (a group lives in hash(group id) % partitions).',
  },
  'offsets.retention.minutes': {
    schema: z.number().int().min(1),
    default: 10080,
    doc: 'Committed offsets of an empty group are deleted this long after the group became empty.',
  },
  'offsets.retention.check.interval.ms': {
    schema: z.number().int().min(100),
    default: 600_000,
    doc: 'How often expired committed offsets are looked for.',
  },
  'offset.metadata.max.bytes': {
    schema: z.number().int().min(0),
    default: 4096,
    doc: 'Largest metadata string accepted with a committed offset (OFFSET_METADATA_TOO_LARGE above it).',
  },
  'group.min.session.timeout.ms': {
    schema: z.number().int().min(1),
    default: 6000,
    doc: 'Smallest session timeout a group member may ask for (INVALID_SESSION_TIMEOUT below it).',
  },
  'group.max.session.timeout.ms': {
    schema: z.number().int().min(1),
    default: 1_800_000,
    doc: 'Largest session timeout a group member may ask for (INVALID_SESSION_TIMEOUT above it).',
  },
  'group.initial.rebalance.delay.ms': {
    schema: z.number().int().min(0),
    default: 3000,
    doc: 'How long the first rebalance of an empty group waits for more members to join (0: rebalance at once).',
  },
} as const;

type Settings = typeof BROKER_SETTINGS;
export type BrokerConfig = { -readonly [K in keyof Settings]: z.infer<Settings[K]['schema']> };
export type BrokerConfigInput = Partial<Record<keyof Settings, unknown>>;

/**
 * Merges sources in order (later wins) and validates every key. Unknown keys are errors with a suggestion,
 * because a typo in a durability setting must not silently fall back to a default.
 */
export function resolveBrokerConfig(
  sources: { name: string; values: Record<string, unknown> }[],
): BrokerConfig {
  const known = Object.keys(BROKER_SETTINGS) as (keyof Settings)[];
  const out: Record<string, unknown> = {};
  for (const k of known) out[k] = BROKER_SETTINGS[k].default;
  const problems: string[] = [];
  for (const { name, values } of sources) {
    for (const [key, raw] of Object.entries(values)) {
      if (raw === undefined) continue;
      if (!(key in BROKER_SETTINGS)) {
        const hint = suggest(key, known);
        problems.push(`${name}: unknown setting "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
        continue;
      }
      const spec = BROKER_SETTINGS[key as keyof Settings];
      const parsed = (spec.schema as z.ZodType).safeParse(coerce(raw, spec.default));
      if (!parsed.success) {
        problems.push(
          `${name}: "${key}" = ${JSON.stringify(raw)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
        );
        continue;
      }
      out[key] = parsed.data;
    }
  }
  if (problems.length > 0)
    throw new ConfigError(`invalid broker configuration:\n  ${problems.join('\n  ')}`, problems);
  return out as BrokerConfig;
}

/** Strings from CLI flags or env become numbers/booleans when the setting is numeric/boolean. */
function coerce(raw: unknown, def: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  if (typeof def === 'number' && /^-?\d+$/.test(raw.trim())) return Number(raw);
  if (typeof def === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}
