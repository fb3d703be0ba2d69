import { z } from 'zod';
import type { TransformRecord } from '../pipeline/connector-spec';
import { getField, MISSING, parseFieldPath } from './field-path';
import { compileWhole, regexError } from './regex';

type Scalar = string | number | boolean | null;

/**
 * A condition on a record. Field tests look at dotted paths into the value; regexes match the whole string.
 * Exactly one form per predicate: `{field, equals|matches|exists|in}`, `{topic}`, `{tombstone}`, `{not}`,
 * `{all}` or `{any}`.
 */
export interface PredicateSpec {
  field?: string;
  equals?: Scalar;
  matches?: string;
  exists?: boolean;
  in?: Scalar[];
  topic?: string;
  tombstone?: boolean;
  not?: PredicateSpec;
  all?: PredicateSpec[];
  any?: PredicateSpec[];
}

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'expected a string, number, boolean or null',
});
const regex = z.string().superRefine((p, ctx) => {
  const err = regexError(p);
  if (err) ctx.addIssue({ code: 'custom', message: err });
});
const FIELD_TESTS = ['equals', 'matches', 'exists', 'in'] as const;
const FORMS = ['field', 'topic', 'tombstone', 'not', 'all', 'any'] as const;

export const predicateSchema: z.ZodType<PredicateSpec> = z
  .strictObject({
    field: z.string().min(1).optional().describe('dotted path into the value'),
    equals: scalar.optional(),
    matches: regex.optional(),
    exists: z.boolean().optional(),
    in: z.array(scalar).optional(),
    topic: regex.optional(),
    tombstone: z.boolean().optional(),
    get not(): z.ZodOptional<z.ZodType<PredicateSpec>> {
      return predicateSchema.optional();
    },
    get all(): z.ZodOptional<z.ZodArray<z.ZodType<PredicateSpec>>> {
      return z.array(predicateSchema).min(1).optional();
    },
    get any(): z.ZodOptional<z.ZodArray<z.ZodType<PredicateSpec>>> {
      return z.array(predicateSchema).min(1).optional();
    },
  })
  .superRefine((p, ctx) => {
    const forms = FORMS.filter((k) => k in p);
    const tests = FIELD_TESTS.filter((k) => k in p);
    if (forms.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          forms.length === 0
            ? `a predicate needs one of: ${FORMS.join(', ')}`
            : `a predicate takes one of ${FORMS.join(', ')}, not several (${forms.join(', ')}); combine with all/any`,
      });
    } else if ('field' in p && tests.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `"field" needs exactly one of: ${FIELD_TESTS.join(', ')}` });
    } else if (!('field' in p) && tests.length > 0) {
      ctx.addIssue({ code: 'custom', message: `${tests.join(', ')} needs a "field"` });
    }
  });

export type Predicate = (record: TransformRecord) => boolean;

/** Compiles a validated predicate once (regexes included), so matching a record allocates nothing. */
export function compilePredicate(p: PredicateSpec): Predicate {
  if (p.not) {
    const inner = compilePredicate(p.not);
    return (r) => !inner(r);
  }
  if (p.all) {
    const parts = p.all.map(compilePredicate);
    return (r) => parts.every((f) => f(r));
  }
  if (p.any) {
    const parts = p.any.map(compilePredicate);
    return (r) => parts.some((f) => f(r));
  }
  if (p.topic !== undefined) {
    const re = compileWhole(p.topic);
    return (r) => re.test(r.topic);
  }
  if (p.tombstone !== undefined) {
    const want = p.tombstone;
    return (r) => (r.value === null || r.value === undefined) === want;
  }
  if (p.field === undefined) throw new Error('predicate has no form');
  const path = parseFieldPath(p.field);
  if (p.exists !== undefined) {
    const want = p.exists;
    return (r) => (getField(r.value, path) !== MISSING) === want;
  }
  if (p.matches !== undefined) {
    const re = compileWhole(p.matches);
    return (r) => {
      const v = getField(r.value, path);
      return (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && re.test(String(v));
    };
  }
  if (p.in !== undefined) {
    const set = new Set<unknown>(p.in);
    return (r) => set.has(getField(r.value, path));
  }
  if ('equals' in p) {
    const want = p.equals;
    return (r) => getField(r.value, path) === want;
  }
  throw new Error(`"field" predicate on ${p.field} has no test`);
}
