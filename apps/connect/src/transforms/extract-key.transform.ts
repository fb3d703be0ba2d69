import { z } from 'zod';
import { getField, MISSING, parseFieldPath } from './field-path';
import { defineTransform, fieldName, ifOption } from './transform-definition';

/**
 * `{ type: extract-key, field: user_id, required: true }`: key := value[field]. A required field that is
 * missing (or a value that is not an object) throws, which the errors policy turns into a DLQ entry or a
 * task failure; without `required` such records keep their key.
 */
export const extractKeyTransform = defineTransform({
  type: 'extract-key',
  summary: 'set the key from a value field',
  options: z.strictObject({
    if: ifOption,
    field: fieldName,
    required: z.boolean().default(true),
  }),
  create(o) {
    const path = parseFieldPath(o.field);
    const { field, required } = o;
    return (r) => {
      const key = getField(r.value, path);
      if (key !== MISSING) return { ...r, key };
      if (required)
        throw new Error(`extract-key: field "${field}" is missing from a record on topic "${r.topic}"`);
      return r;
    };
  },
});
