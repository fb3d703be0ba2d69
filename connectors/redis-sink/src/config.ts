import { z } from 'zod';
import { DURATION_HINT, durationField, parseDuration } from '@tributary/connect-sdk';
import { parseTemplate } from './template';

/** A template field: rejected at validation time when it names an unknown placeholder. */
function templateField() {
  return z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      const r = parseTemplate(text);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
    });
}

export const redisSinkConfig = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .describe(
        'Redis URL, e.g. "redis://:${REDIS_PASSWORD}@cache:6379/0" (rediss:// for TLS). A single server: Redis Cluster is not supported.',
      ),
    mode: z
      .enum(['hash', 'json', 'stream', 'pubsub', 'bullmq'])
      .describe(
        "hash: HSET the row's columns (the hash holds exactly its non-null columns); json: SET the row as canonical JSON; stream: XADD one entry per event; pubsub: PUBLISH one message per event; bullmq: add one BullMQ job per event.",
      ),
    key: templateField()
      .optional()
      .describe(
        'Key template. Placeholders: {{topic}}, {{key}} (the single key field\'s value, else the key as canonical JSON), {{key.<field>}}, {{value.<field>}} (the row), {{source.table}}, {{source.schema}}. Default "{{topic}}:{{key}}", or "{{topic}}" in stream mode (one stream per topic).',
      ),
    unwrap: z
      .boolean()
      .default(true)
      .describe(
        'With a Debezium envelope value ({before, after, source, op}), write `after` and delete on op "d" or a tombstone. Other values are written as they are. false: write values as they are; only tombstones delete.',
      ),
    ttl: z
      .union([z.number(), z.string()])
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const ms = parseDuration(v);
        if (ms === null || ms === 0) {
          ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a positive ${DURATION_HINT}` });
          return z.NEVER;
        }
        return ms;
      })
      .describe(
        'hash and json modes: expire each key this long after its last write (PEXPIRE). Unset: no expiry.',
      ),
    'stream.maxlen': z
      .number()
      .int()
      .positive()
      .optional()
      .describe('stream mode: cap each stream at about this many entries (XADD MAXLEN ~). Unset: unbounded.'),
    channel: templateField()
      .optional()
      .describe('pubsub mode: channel template (same placeholders as `key`). Default: the key template.'),
    queue: z
      .string()
      .regex(/^[^:\s]+$/, 'must be a queue name without ":" or spaces')
      .optional()
      .describe('bullmq mode (required there): the BullMQ queue name jobs are added to.'),
    'lsn.guard': z
      .boolean()
      .default(true)
      .describe(
        'hash and json modes: for records with a `source.lsn` header, remember the last LSN written per key (hash "tributary:lsn:<connector>") and skip a write or delete whose LSN is lower, so an older change replayed after a newer one never wins. Without the header, the envelope `source.lsn` is used and snapshot reads (op "r") are checked but do not raise the stored LSN.',
      ),
    'batch.size': z
      .number()
      .int()
      .positive()
      .default(500)
      .describe(
        'Commands per pipeline; a larger put is sent as several pipelines, one after another, in order.',
      ),
    timeout: durationField('10s').describe(
      'Connect and command timeout. A command that takes longer, or a server that is down, makes the put fail with a retriable error.',
    ),
  })
  .superRefine((c, ctx) => {
    if (c.mode === 'bullmq' && c.queue === undefined) {
      ctx.addIssue({ code: 'custom', path: ['queue'], message: 'mode bullmq needs a "queue" name' });
    }
  });

export type RedisSinkConfig = z.output<typeof redisSinkConfig>;

/** The key template a config uses, with the mode's default applied. */
export function keyTemplateOf(c: RedisSinkConfig): string {
  return c.key ?? (c.mode === 'stream' ? '{{topic}}' : '{{topic}}:{{key}}');
}
