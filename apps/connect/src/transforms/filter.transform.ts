import { z } from 'zod';
import { compilePredicate, predicateSchema } from './predicate';
import { defineTransform } from './transform-definition';

/** `{ type: filter, if: <predicate>, drop: true }`: drops matching records (drop: false keeps only them). */
export const filterTransform = defineTransform({
  type: 'filter',
  summary: 'drop records matching a predicate (or, with drop: false, keep only those)',
  ownsIf: true,
  options: z.strictObject({
    if: predicateSchema,
    drop: z.boolean().default(true),
  }),
  create(o) {
    const matches = compilePredicate(o.if);
    const drop = o.drop;
    return (r) => (matches(r) === drop ? null : r);
  },
});
