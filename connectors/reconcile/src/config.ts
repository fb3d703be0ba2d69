import { z } from 'zod';
import { durationField } from '@tributary/connect-sdk';
import { parseKeySpec } from './key-spec';

/** A key spec: rejected at validation time when a template is malformed. */
function keyField() {
  return z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      const r = parseKeySpec(text);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
    });
}

const fieldPath = z.string().min(1).regex(/^\S+$/, 'a field path has no spaces, e.g. "customer.id"');

const side = z
  .strictObject({
    topic: z.string().min(1).describe('The topic this service writes.'),
    key: keyField().describe(
      'The business key: a field path into the value (`order_id`, `customer.id`, `$.order.id`) or a template of several (`{{region}}-{{order_id}}`).',
    ),
    version: fieldPath
      .optional()
      .describe(
        'Field holding the event version (a number, or a string such as an ISO time). The latest version of each side is compared, and a repeat of the held version is a duplicate. Unset: the latest record (offset order) wins.',
      ),
    timestamp: fieldPath
      .optional()
      .describe(
        'Field holding the event time (ISO-8601 text or epoch milliseconds). Unset: the Kafka record timestamp.',
      ),
    value: fieldPath
      .optional()
      .describe(
        'Compare this part of the value only, e.g. `after` for Debezium envelopes. `key`, `version` and `timestamp` still read the whole value.',
      ),
  })
  .describe('One side of the comparison.');

export const reconcileConfig = z
  .strictObject({
    left: side.describe('The reference side, usually the old service.'),
    right: side.describe(
      'The side under test, usually the new service. Field names in `fields` are its names.',
    ),
    window: durationField('30s').describe(
      'Lateness window, in event time: a key seen on one side waits this long (by the other side’s watermark) for its counterpart before it is reported missing, and two sides that differ wait this long to converge before a field-mismatch.',
    ),
    idle: durationField('1m').describe(
      'A partition that delivered nothing for this long (wall clock) stops holding its side’s watermark back, so the tail of a stream still resolves when a service goes quiet. This also happens while the connector is paused: keys whose counterparts are still unread may then be reported missing, and are corrected on resume.',
    ),
    keys: z
      .strictObject({
        lowercase: z.boolean().default(false).describe('Compare keys case-insensitively.'),
        trim: z.boolean().default(true).describe('Strip surrounding white space from keys.'),
      })
      .default({ lowercase: false, trim: true })
      .describe('Key normalisation, applied to both sides.'),
    fields: z
      .strictObject({
        map: z
          .record(fieldPath, fieldPath)
          .default({})
          .describe(
            'Left field name to right field name, e.g. `{ total_cents: amount }`; a prefix maps a whole object.',
          ),
        ignore: z
          .array(fieldPath)
          .default([])
          .describe('Fields (right-side names, or prefixes of nested objects) left out of the comparison.'),
        only: z
          .array(fieldPath)
          .optional()
          .describe(
            'Compare these fields (right-side names or prefixes) only. Unset: every field not ignored.',
          ),
        tolerance: z
          .record(fieldPath, z.number().nonnegative())
          .default({})
          .describe(
            'Absolute numeric tolerance per field, e.g. `{ amount: 0.01 }`. Numbers and numeric strings compare by value; other fields must be equal.',
          ),
        truncate: z
          .record(fieldPath, durationField('1s'))
          .default({})
          .describe(
            'Timestamps (ISO text or epoch ms) compared after truncating to this unit, e.g. `{ created_at: 1s }`.',
          ),
      })
      .default({ map: {}, ignore: [], tolerance: {}, truncate: {} })
      .describe('How values are normalised before they are compared.'),
    report: z
      .strictObject({
        topic: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Topic of the results, one JSON record per change of a key’s result. Default `<connector>.report`.',
          ),
        partitions: z
          .number()
          .int()
          .positive()
          .default(1)
          .describe('Partitions of the report topic when it is created.'),
      })
      .default({ partitions: 1 })
      .describe('Where results go.'),
    state: z
      .strictObject({
        topic: z
          .string()
          .min(1)
          .optional()
          .describe('Compacted topic holding the per-key state. Default `__reconcile.<connector>.state`.'),
      })
      .default({})
      .describe('Where the comparison state survives restarts.'),
  })
  .superRefine((c, ctx) => {
    if (c.left.topic === c.right.topic) {
      ctx.addIssue({
        code: 'custom',
        path: ['right', 'topic'],
        message: `left and right read the same topic "${c.left.topic}"; compare two different topics`,
      });
    }
  });

export type ReconcileConfig = z.output<typeof reconcileConfig>;
export type SideConfig = ReconcileConfig['left'];
