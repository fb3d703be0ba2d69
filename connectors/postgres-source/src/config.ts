import { z } from 'zod';
import { durationField } from '@tributary/connect-sdk';

/** `schema.table`, where either part may hold `*` / `?` globs (e.g. `public.*`). */
const TABLE_PATTERN = /^[^.\s]+\.[^.\s]+$/;

export const postgresSourceConfig = z.strictObject({
  connection: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .describe(
      'Postgres URL, e.g. "postgres://cdc:${PG_PASSWORD}@db:5432/shop". The user needs the REPLICATION attribute and SELECT on the captured tables.',
    ),
  tables: z
    .array(z.string().regex(TABLE_PATTERN, 'must be "schema.table" (globs allowed, e.g. "public.*")'))
    .min(1)
    .describe(
      'Tables to capture as "schema.table"; `*` and `?` globs match within a part (e.g. "public.*"). Resolved at start.',
    ),
  'topic.prefix': z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'may hold only letters, digits, ".", "_" and "-"')
    .describe(
      'Logical server name: topics are "<prefix>.<schema>.<table>", heartbeats go to "<prefix>.heartbeat", and the source partition is { server: <prefix> }.',
    ),
  'slot.name': z
    .string()
    .regex(/^[a-z0-9_]+$/, 'may hold only lower-case letters, digits and "_" (a Postgres slot name)')
    .default('tributary')
    .describe('Logical replication slot; one per connector. It is created when missing and never dropped.'),
  'publication.name': z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain SQL identifier')
    .default('tributary')
    .describe('Publication the slot decodes through.'),
  'publication.autocreate': z
    .enum(['all_tables', 'filtered', 'disabled'])
    .default('filtered')
    .describe(
      'filtered: CREATE (or ALTER ... SET TABLE) the publication for exactly the matched tables; all_tables: CREATE PUBLICATION ... FOR ALL TABLES when missing (needs superuser); disabled: the publication must already exist.',
    ),
  'snapshot.mode': z
    .enum(['initial', 'never', 'when_needed', 'initial_only'])
    .default('initial')
    .describe(
      'initial: snapshot the tables when there is no stored offset, then stream; never: stream only; when_needed: like initial, and re-snapshot when the slot is missing or lost; initial_only: snapshot, then stay idle (no slot is created).',
    ),
  'snapshot.fetch.size': z
    .number()
    .int()
    .positive()
    .default(10000)
    .describe('Rows read per snapshot query (keyset pagination in primary-key order).'),
  'heartbeat.interval': durationField('10s').describe(
    'How often a heartbeat message is written to the WAL (pg_logical_emit_message) so the slot advances on idle tables; 0 turns heartbeats off.',
  ),
  toast: z
    .enum(['placeholder', 'omit'])
    .default('placeholder')
    .describe(
      'An unchanged TOASTed value that Postgres did not send: placeholder puts `toast.placeholder` in the field; omit leaves the field out of `after` (for upsert-capable sinks).',
    ),
  'toast.placeholder': z
    .string()
    .default('__tributary_unavailable_value')
    .describe('The marker used for unchanged TOAST values with toast: placeholder.'),
  'tombstones.on.delete': z
    .boolean()
    .default(true)
    .describe(
      'After each delete event, send a tombstone (same key, null value) so compacted topics drop the key.',
    ),
  'truncate.events': z
    .boolean()
    .default(false)
    .describe('Send an op "t" record (key null) per truncated table.'),
  'signal.table': z
    .string()
    .regex(/^[^.\s*?]+\.[^.\s*?]+$/, 'must be "schema.table"')
    .optional()
    .describe(
      'Table with columns (id, type, data) whose inserted rows are signals, e.g. type "execute-snapshot" with data {"data-collections":["public.orders"]} starts an incremental snapshot. It is added to the publication.',
    ),
  'incremental.chunk.size': z
    .number()
    .int()
    .positive()
    .default(1024)
    .describe('Rows per incremental-snapshot chunk (one low/high watermark window each).'),
  'max.batch.size': z
    .number()
    .int()
    .positive()
    .default(2048)
    .describe('Maximum records returned by one poll.'),
  'max.queue.size': z
    .number()
    .int()
    .positive()
    .default(4096)
    .describe(
      'Records buffered ahead of the framework; when full, reading the WAL (and the snapshot) pauses. Bounds memory for huge transactions. Two batches are enough to keep reading while one is sent; more only adds garbage-collection work (queued records outlive the young generation).',
    ),
});

export type PostgresSourceConfig = z.output<typeof postgresSourceConfig>;
