import { z } from 'zod';
import { getField, isObject, MISSING, parseFieldPath, setField } from './field-path';
import { defineTransform, fieldName, ifOption } from './transform-definition';

/** `{ type: mask, fields: [...], replacement: "****" }`: replaces present, non-null fields; never adds any. */
export const maskTransform = defineTransform({
  type: 'mask',
  summary: 'replace the content of value fields',
  options: z.strictObject({
    if: ifOption,
    fields: z.array(fieldName).min(1),
    replacement: z.string().default('****'),
  }),
  create(o) {
    const paths = o.fields.map(parseFieldPath);
    const replacement = o.replacement;
    return (r) => {
      if (!isObject(r.value)) return r;
      let value = r.value;
      for (const p of paths) {
        const cur = getField(value, p);
        if (cur !== MISSING && cur !== null) value = setField(value, p, replacement);
      }
      return value === r.value ? r : { ...r, value };
    };
  },
});
