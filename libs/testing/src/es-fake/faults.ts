import { seededRandom } from '@tributary/common';
import type { BulkAction } from './bulk';

/** Chooses a status for one bulk item instead of executing it, or null to execute it normally. */
export type ItemFault = (action: BulkAction) => number | null;

/** What a request fault sees of the request. */
export interface FakeRequestInfo {
  method: string;
  path: string;
  body: string;
}

/**
 * Chooses a status for a whole request instead of serving it, or null to serve it. Status 0 drops the
 * connection without an answer (the client sees a connection error).
 */
export type RequestFault = (req: FakeRequestInfo) => number | null;

export { seededRandom };

/** Fails about `fraction` of all bulk items with `status` (429 by default), chosen by a seeded PRNG. */
export function failItemsRandomly(
  fraction: number,
  options: { seed?: number; status?: number } = {},
): ItemFault {
  const random = seededRandom(options.seed ?? 1);
  const status = options.status ?? 429;
  return () => (random() < fraction ? status : null);
}

/** Fails every item `match` selects with a 400 `mapper_parsing_exception`: a document ES will never accept. */
export function poisonItems(match: (action: BulkAction) => boolean, status = 400): ItemFault {
  return (action) => (match(action) ? status : null);
}

/** Fails the next `count` requests (bulk requests only unless `allPaths`) with `status` (503 by default). */
export function failRequests(
  count: number,
  options: { status?: number; allPaths?: boolean } = {},
): RequestFault {
  let left = count;
  return (req) => {
    if (!options.allPaths && !req.path.endsWith('/_bulk')) return null;
    if (left <= 0) return null;
    left--;
    return options.status ?? 503;
  };
}

/** Fails bulk requests with `status` (503 by default) for `ms` milliseconds from the first one it sees. */
export function failRequestsFor(ms: number, status = 503): RequestFault {
  let until: number | null = null;
  return (req) => {
    if (!req.path.endsWith('/_bulk')) return null;
    until ??= Date.now() + ms;
    return Date.now() < until ? status : null;
  };
}

/** The first non-null answer of several faults. */
export function anyFault<A>(...faults: Array<(arg: A) => number | null>): (arg: A) => number | null {
  return (arg) => {
    for (const f of faults) {
      const s = f(arg);
      if (s !== null) return s;
    }
    return null;
  };
}
