import { z } from 'zod';
import { isObject, parseFieldPath, renameLeaf } from './field-path';
import { defineTransform, ifOption } from './transform-definition';

/** `{ type: rename, fields: { old: new } }`: `old` may be a dotted path; the field keeps its place. */
export const renameTransform = defineTransform({
  type: 'rename',
  summary: 'rename value fields',
  options: z.strictObject({
    if: ifOption,
    fields: z
      .record(
        z.string().min(1),
        z.string().regex(/^[^.]+$/, { error: 'the new name is a field name, without dots' }),
      )
      .refine((m) => Object.keys(m).length > 0, { error: 'name at least one field' }),
  }),
  create(o) {
    const renames = Object.entries(o.fields).map(([from, to]) => ({ path: parseFieldPath(from), to }));
    return (r) => {
      if (!isObject(r.value)) return r;
      let value = r.value;
      for (const { path, to } of renames) value = renameLeaf(value, path, to);
      return value === r.value ? r : { ...r, value };
    };
  },
});
