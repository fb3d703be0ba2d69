import { ConfigError, suggest } from '@tributary/common';
import type { Transform, TransformSpec } from '../pipeline/connector-spec';
import { dropTransform } from './drop.transform';
import { extractKeyTransform } from './extract-key.transform';
import { filterTransform } from './filter.transform';
import { insertFieldTransform } from './insert-field.transform';
import { maskTransform } from './mask.transform';
import { compilePredicate, type PredicateSpec } from './predicate';
import { renameTransform } from './rename.transform';
import { routeTransform } from './route.transform';
import type { ApplyFn, TransformDefinition } from './transform-definition';

/** Every transform type a pipeline file may name. */
export const transformRegistry: readonly TransformDefinition[] = [
  filterTransform,
  renameTransform,
  dropTransform,
  maskTransform,
  routeTransform,
  extractKeyTransform,
  insertFieldTransform,
];

export function findTransform(type: string): TransformDefinition | undefined {
  return transformRegistry.find((d) => d.type === type);
}

/**
 * Instantiates a connector's transform chain. Specs from the pipeline loader are already valid; options are
 * checked again because specs may also arrive through REST.
 */
export function buildTransforms(specs: readonly TransformSpec[]): Transform[] {
  return specs.map((spec, i) => {
    const def = findTransform(spec.type);
    if (!def) {
      const hint = suggest(
        spec.type,
        transformRegistry.map((d) => d.type),
      );
      throw new ConfigError(
        `transforms[${i}]: unknown transform type "${spec.type}"${hint ? `; did you mean "${hint}"?` : ''}`,
      );
    }
    const r = def.options.safeParse(spec.options);
    if (!r.success) {
      throw new ConfigError(
        `transforms[${i}] (${spec.type}): ${r.error.issues.map((x) => x.message).join('; ')}`,
      );
    }
    let apply: ApplyFn = def.create(r.data);
    const cond = (r.data as { if?: PredicateSpec }).if;
    if (cond && !def.ownsIf) {
      const inner = apply;
      const matches = compilePredicate(cond);
      apply = (rec) => (matches(rec) ? inner(rec) : rec);
    }
    return { type: spec.type, apply };
  });
}
