import { z } from 'zod';
import { isObject, parseFieldPath, setField } from './field-path';
import { defineTransform, fieldName, ifOption } from './transform-definition';
import type { TransformRecord } from '../pipeline/connector-spec';

/**
 * `{ type: insert-field, field: env, value: prod }` or `{ field: ingested_at, from: timestamp|topic|key }`
 * sets a value field (a dotted path creates parents). Non-object values pass unchanged.
 */
export const insertFieldTransform = defineTransform({
  type: 'insert-field',
  summary: 'set a value field to a constant or to record metadata',
  options: z
    .strictObject({
      if: ifOption,
      field: fieldName,
      value: z.unknown().optional(),
      from: z.enum(['timestamp', 'topic', 'key']).optional(),
    })
    .superRefine((o, ctx) => {
      if ('value' in o === 'from' in o) {
        ctx.addIssue({
          code: 'custom',
          message: 'give exactly one of "value" or "from" (timestamp, topic, key)',
        });
      }
    }),
  create(o) {
    const path = parseFieldPath(o.field);
    const constant = o.value;
    const read: (r: TransformRecord) => unknown =
      o.from === 'timestamp'
        ? (r) => r.timestamp ?? Date.now()
        : o.from === 'topic'
          ? (r) => r.topic
          : o.from === 'key'
            ? (r) => r.key
            : () => constant;
    return (r) => (isObject(r.value) ? { ...r, value: setField(r.value, path, read(r)) } : r);
  },
});
