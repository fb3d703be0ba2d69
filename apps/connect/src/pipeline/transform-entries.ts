import { suggest } from '@tributary/common';
import { findTransform, transformRegistry } from '../transforms/registry';
import type { TransformSpec } from './connector-spec';
import { check, unknownKeyMessage } from './schema-problems';
import type { KeyPath, RawProblem } from './yaml-source';

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a connector's `transforms:` list entry by entry against the transform registry. */
export function checkTransforms(
  raw: readonly unknown[],
  base: KeyPath,
  problems: RawProblem[],
): TransformSpec[] | null {
  const types = transformRegistry.map((d) => d.type);
  const specs: TransformSpec[] = [];
  let ok = true;
  raw.forEach((entry, j) => {
    const path = [...base, j];
    if (!isMapping(entry)) {
      problems.push({
        path,
        message: `expected a transform mapping, e.g. { type: filter, ... } (types: ${types.join(', ')})`,
      });
      ok = false;
      return;
    }
    const { type, ...options } = entry;
    if (typeof type !== 'string') {
      const typo = Object.keys(options).find((k) => suggest(k, ['type']) === 'type');
      problems.push(
        typo
          ? { path: [...path, typo], message: unknownKeyMessage(typo, ['type']), at: 'key' }
          : { path: [...path, 'type'], message: `missing required key "type" (one of: ${types.join(', ')})` },
      );
      ok = false;
      return;
    }
    const def = findTransform(type);
    if (!def) {
      const hint = suggest(type, types);
      problems.push({
        path: [...path, 'type'],
        message: `unknown transform type "${type}"${hint ? `; did you mean "${hint}"?` : ''} (types: ${types.join(', ')})`,
      });
      ok = false;
      return;
    }
    const r = check(def.options, options, path);
    if (!r.ok) {
      problems.push(...r.problems);
      ok = false;
      return;
    }
    specs.push({ type, options: r.value as Record<string, unknown> });
  });
  return ok ? specs : null;
}
