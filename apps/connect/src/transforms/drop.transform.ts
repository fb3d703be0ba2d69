import { z } from 'zod';
import { deleteField, isObject, parseFieldPath } from './field-path';
import { defineTransform, fieldName, ifOption } from './transform-definition';

/** `{ type: drop, fields: [a, b.c] }`: removes value fields. */
export const dropTransform = defineTransform({
  type: 'drop',
  summary: 'remove value fields',
  options: z.strictObject({ if: ifOption, fields: z.array(fieldName).min(1) }),
  create(o) {
    const paths = o.fields.map(parseFieldPath);
    return (r) => {
      if (!isObject(r.value)) return r;
      let value = r.value;
      for (const p of paths) value = deleteField(value, p);
      return value === r.value ? r : { ...r, value };
    };
  },
});
