import { z } from 'zod';
import { suggest } from '@tributary/common';
import type { RawProblem } from './yaml-source';

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: RawProblem[] };

/** Steps through wrappers (optional, default, pipe, array) to what a key path segment addresses. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    const def = s._zod.def as { innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType };
    const next = def.innerType ?? def.in ?? def.element;
    if (!next || s instanceof z.ZodObject) return s;
    s = next;
  }
  return s;
}

/** Keys a strict object accepts at `path`, stepping into arrays (unlike the SDK's `knownKeysAt`). */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s = unwrap(schema);
  for (const part of path) {
    if (typeof part === 'number') continue; // an array index: `unwrap` already stepped to the element
    if (!(s instanceof z.ZodObject)) return [];
    const next = (s.shape as Record<string, z.ZodType>)[String(part)];
    if (!next) return [];
    s = unwrap(next);
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape as Record<string, z.ZodType>) : [];
}

/** "Did you mean" for a misspelt key, or for a nested mapping where the file format wants a dotted key. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const hint = suggest(key, known);
  if (hint) return `unknown key "${key}"; did you mean "${hint}"? (known keys: ${known.join(', ')})`;
  const dotted = known.filter((k) => k.startsWith(`${key}.`));
  if (dotted.length > 0) {
    return `unknown key "${key}"; settings are written as dotted keys, e.g. "${dotted[0]}" (known keys: ${known.join(', ')})`;
  }
  return `unknown key "${key}" (known keys: ${known.join(', ')})`;
}

/** Validates `raw` against one of the pipeline file's own schemas, turning every zod issue into a problem. */
export function check<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  base: readonly (string | number)[],
): Checked<z.output<S>> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  const problems: RawProblem[] = [];
  // A misspelt key usually explains a refinement's complaint about the same object ("needs one of ...").
  const withUnknown = new Set(
    r.error.issues.filter((i) => i.code === 'unrecognized_keys').map((i) => JSON.stringify(i.path)),
  );
  for (const issue of r.error.issues) {
    if (issue.code === 'custom' && withUnknown.has(JSON.stringify(issue.path))) continue;
    const path = [...base, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, issue.path);
      for (const key of issue.keys) {
        problems.push({ path: [...path, key], message: unknownKeyMessage(key, known), at: 'key' });
      }
    } else if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      problems.push({ path, message: `missing required key "${String(path[path.length - 1] ?? '')}"` });
    } else {
      problems.push({ path, message: issue.message.replace(/^Invalid (input|option): /, '') });
    }
  }
  return { ok: false, problems };
}
