import { z } from 'zod';
import { durationField } from '@tributary/connect-sdk';
import { unknownPlaceholders } from './index-name';

const nodeUrl = z.string().regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL');

export const elasticsearchSinkConfig = z
  .strictObject({
    // One URL or a list: a lone string becomes a list of one, so a missing key reads as missing, not as a union.
    node: z
      .preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(nodeUrl).min(1))
      .describe(
        'Elasticsearch URL, e.g. "http://es:9200", or a list of node URLs the client spreads requests over. Elasticsearch 8.x.',
      ),
    auth: z
      .union([
        z.strictObject({
          username: z.string().min(1).describe('Basic-auth user.'),
          password: z
            .string()
            .describe('Basic-auth password; use ${VAR} interpolation to keep it out of the file.'),
        }),
        z.strictObject({
          'api.key': z
            .string()
            .min(1)
            .describe('An API key, base64 "id:api_key" as Elasticsearch returns it in `encoded`.'),
        }),
      ])
      .optional()
      .describe(
        '{ username, password } for basic auth or { api.key } for an API key; none for an open cluster. The user needs `write` (and `create_index` unless the indices exist) on the target indices, plus `manage_index_templates` with index.template.',
      ),
    index: z
      .string()
      .min(1)
      .refine((t) => unknownPlaceholders(t).length === 0, {
        message: 'may only use the placeholders {{topic}}, {{source.schema}} and {{source.table}}',
      })
      .default('{{topic}}')
      .describe(
        'Target index name template, lower-cased after rendering. Placeholders: {{topic}}, {{source.schema}} and {{source.table}} (from a Debezium envelope\'s `source` block; for tombstones, which have none, the last two segments of a "<prefix>.<schema>.<table>" topic).',
      ),
    'write.method': z
      .enum(['index', 'upsert'])
      .default('index')
      .describe(
        "index: the record replaces the whole document (external versions protect it from stale writes); upsert: partial update with doc_as_upsert, fields missing from the record are kept. Elasticsearch's update API takes no external versions, so upsert relies on per-document ordering only.",
      ),
    'key.ignore': z
      .boolean()
      .default(false)
      .describe(
        'false: the document id comes from the record key (a single-field object key gives that field\'s value, a multi-field key its canonical JSON, a string key itself); true: the id is "topic+partition+offset", every record becomes its own document and deletes are ignored.',
      ),
    unwrap: z
      .boolean()
      .default(true)
      .describe(
        'Debezium envelopes {before, after, op, source}: index `after`; op "d" deletes; op "t" (truncate) is logged and ignored. Values that are not envelopes are written as they are. false: every value is written as it is. A tombstone (null value) deletes either way.',
      ),
    'version.source': z
      .enum(['auto', 'lsn', 'offset', 'none'])
      .default('auto')
      .describe(
        'Document version for external versioning (write.method index): lsn: the `source.lsn` header (records without it are rejected); offset: the Kafka offset; auto: the header when present, else the offset; none: no versioning, last write wins. A write whose version is below the stored one is a no-op (409, counted as success); equal versions (one source transaction) apply in order, so replays and reordering never overwrite newer data. With upsert, auto means none.',
      ),
    'batch.size': z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .describe('Maximum operations in one bulk request.'),
    'retry.max': z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe(
        'Attempts per bulk item (and per whole request) within one flush for transient failures: 429, 5xx, timeouts, connection errors. After that the flush fails with a retriable error and the framework retries it (errors.retry.timeout).',
      ),
    'retry.backoff': durationField('100ms').describe(
      'Wait before the first retry of an item; it doubles per attempt, with jitter, up to retry.backoff.max.',
    ),
    'retry.backoff.max': durationField('10s').describe('Longest wait between two attempts of one item.'),
    'index.template': z
      .strictObject({
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a lower-case template name')
          .optional()
          .describe('Template name; default "tributary-<connector name>".'),
        patterns: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .describe('Index patterns it applies to; default: `index` with each placeholder replaced by `*`.'),
        priority: z
          .number()
          .int()
          .min(0)
          .default(200)
          .describe('Template priority (above the built-in templates, which use 100).'),
        settings: z.record(z.string(), z.unknown()).optional().describe('Index settings, as in the ES API.'),
        mappings: z.record(z.string(), z.unknown()).optional().describe('Index mappings, as in the ES API.'),
      })
      .optional()
      .describe('A composable index template put (PUT _index_template) once when the task starts.'),
    'request.timeout': durationField('30s').describe('Timeout of one HTTP request to Elasticsearch.'),
  })
  .superRefine((c, ctx) => {
    if (c['write.method'] === 'upsert' && (c['version.source'] === 'lsn' || c['version.source'] === 'offset'))
      ctx.addIssue({
        code: 'custom',
        path: ['version.source'],
        message:
          'write.method upsert cannot use external versions (the Elasticsearch update API does not accept them); use version.source auto or none, or write.method index',
      });
    if (c['retry.backoff'] > c['retry.backoff.max'])
      ctx.addIssue({
        code: 'custom',
        path: ['retry.backoff'],
        message: 'must not be longer than retry.backoff.max',
      });
  });

export type ElasticsearchSinkConfig = z.output<typeof elasticsearchSinkConfig>;
