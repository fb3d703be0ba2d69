export { buildTransforms, findTransform, transformRegistry } from './registry';
export { compilePredicate, predicateSchema, type Predicate, type PredicateSpec } from './predicate';
export type { TransformDefinition } from './transform-definition';
