import { z } from 'zod';
import type { TransformRecord } from '../pipeline/connector-spec';
import { predicateSchema, type PredicateSpec } from './predicate';

export type ApplyFn = (record: TransformRecord) => TransformRecord | null;

/**
 * One transform type. `options` is a strict zod object (everything in the pipeline entry except `type`) that
 * validates pipeline files; `create` runs once per configured instance and does the per-record work up front
 * (path splitting, regex compiling).
 */
export interface TransformDefinition<S extends z.ZodType = z.ZodType> {
  type: string;
  summary: string;
  options: S;
  /** The transform reads `if` itself (filter); otherwise the registry wraps it so it applies to matching records only. */
  ownsIf?: boolean;
  create(options: z.output<S>): ApplyFn;
}

export function defineTransform<S extends z.ZodType>(def: TransformDefinition<S>): TransformDefinition<S> {
  return def;
}

/** The optional `if:` every transform accepts. */
export const ifOption = predicateSchema.optional().describe('apply only to records matching this predicate');

export type WithIf<T> = T & { if?: PredicateSpec };

export const fieldName = z.string().min(1, { error: 'must not be empty' });
