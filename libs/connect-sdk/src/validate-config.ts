import { z } from 'zod';
import { suggest } from '@tributary/common';

/** One problem with a config value; `path` is the key path inside the validated object. */
export interface ConfigProblem {
  path: (string | number)[];
  message: string;
}

export type ConfigValidation<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

/** Peels optional/default/nullable wrappers to reach an object schema's shape, if there is one. */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | null {
  let s: z.ZodType = schema;
  for (let i = 0; i < 8; i++) {
    if (s instanceof z.ZodObject) return s.shape as Record<string, z.ZodType>;
    const inner = (s._zod.def as { innerType?: z.ZodType }).innerType;
    if (!inner) return null;
    s = inner;
  }
  return null;
}

/** The keys a strict object accepts at `path`, for "did you mean" hints. */
export function knownKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let shape = shapeOf(schema);
  for (const part of path) {
    if (!shape) return [];
    const next = shape[String(part)];
    if (!next) return [];
    shape = shapeOf(next);
  }
  return shape ? Object.keys(shape) : [];
}

/**
 * Validates a raw config against a connector's spec. Unknown keys become one problem each, with the nearest
 * known key suggested; type errors name what was expected.
 */
export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown): ConfigValidation<z.output<S>> {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return { ok: true, value: r.data };
  const problems: ConfigProblem[] = [];
  for (const issue of r.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) {
        const hint = suggest(key, known);
        problems.push({
          path: [...path, key],
          message: `unknown key "${key}"${hint ? `; did you mean "${hint}"?` : ''} (known keys: ${known.join(', ')})`,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      problems.push({
        path,
        message: `missing required key "${String(path[path.length - 1] ?? '')}" (${issue.expected})`,
      });
      continue;
    }
    // zod's generic prefix says nothing; the pipeline file's own keys drop it too (schema-problems.ts), so
    // `config.batch.size: expected number, received string` reads like `tasks.max: expected number, ...`.
    problems.push({ path, message: issue.message.replace(/^Invalid (input|option): /, '') });
  }
  return { ok: false, problems };
}

/** `a.b[2].c`, for messages. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
