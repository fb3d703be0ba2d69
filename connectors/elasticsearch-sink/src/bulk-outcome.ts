import { errors } from '@elastic/elasticsearch';
import { ConnectorError } from '@tributary/connect-sdk';
import { ElasticsearchItemError } from './record-rejected';
import type { Write } from './write-queue';

/** How many times ES itself retries an upsert that races another writer of the same document. */
const RETRY_ON_CONFLICT = 3;

/** The bulk body lines of one write. */
export function bulkLines(w: Write): unknown[] {
  const meta: Record<string, unknown> = { _index: w.index, _id: w.id };
  if (w.version !== undefined) {
    meta['version'] = w.version;
    // external_gte: postgres-source versions by commit LSN, equal for every change of one transaction, and
    // the later of equal versions is the newer state (records arrive in order).
    meta['version_type'] = 'external_gte';
  }
  if (w.kind === 'delete') return [{ delete: meta }];
  if (w.kind === 'index') return [{ index: meta }, w.doc ?? {}];
  return [
    { update: { ...meta, retry_on_conflict: RETRY_ON_CONFLICT } },
    { doc: w.doc ?? {}, doc_as_upsert: true },
  ];
}

export type ItemOutcome =
  | { kind: 'done'; result: 'written' | 'deleted' | 'stale' }
  | { kind: 'retry'; reason: string }
  | { kind: 'reject'; error: ElasticsearchItemError };

interface ItemResult {
  status: number;
  result?: string;
  error?: { type?: string; reason?: string | null; caused_by?: { type?: string; reason?: string | null } };
}

function describe(w: Write): string {
  return `${w.kind} of ${w.index}/${w.id}${w.version !== undefined ? ` (version ${w.version})` : ''}`;
}

/**
 * What one bulk item's result means for its write. 2xx: done. 409 on a versioned write: ES already holds this
 * version or a newer one (a replay or a late record), so it is done too. A delete's 404: nothing to delete. 429,
 * 5xx and an unversioned 409 (a concurrent writer): try again. Any other 4xx: the document is refused for good.
 */
export function itemOutcome(w: Write, item: ItemResult | undefined): ItemOutcome {
  if (!item) return { kind: 'retry', reason: `no result for ${describe(w)} in the bulk response` };
  const s = item.status;
  if (s >= 200 && s < 300) return { kind: 'done', result: w.kind === 'delete' ? 'deleted' : 'written' };
  // A delete's 404 is "not_found", or index_not_found_exception (ES does not auto-create indices for deletes).
  if (s === 404 && w.kind === 'delete') return { kind: 'done', result: 'deleted' };
  if (s === 409 && w.version !== undefined) return { kind: 'done', result: 'stale' };
  const type = item.error?.type ?? 'unknown_error';
  const reason =
    [item.error?.reason, item.error?.caused_by?.reason].filter((r) => r).join(': ') || 'no reason given';
  if (s === 409 || s === 408 || s === 429 || s >= 500)
    return { kind: 'retry', reason: `${describe(w)} failed with ${s} ${type}: ${reason}` };
  return { kind: 'reject', error: new ElasticsearchItemError(s, type, reason, describe(w)) };
}

export type RequestOutcome =
  | { kind: 'retry'; reason: string }
  /** The whole request was refused (400/413): likely because of one item; send fewer at a time. */
  | { kind: 'narrow'; error: ElasticsearchItemError }
  | { kind: 'fatal'; error: Error };

/** What a failed bulk request (no per-item results) means. */
export function requestOutcome(err: unknown, what: string): RequestOutcome {
  if (err instanceof errors.ResponseError) {
    const s = err.statusCode ?? 0;
    const body = err.body as { error?: { type?: string; reason?: string } | string } | undefined;
    const type = typeof body?.error === 'object' ? (body.error.type ?? 'unknown_error') : 'unknown_error';
    const reason =
      typeof body?.error === 'object'
        ? (body.error.reason ?? '')
        : typeof body?.error === 'string'
          ? body.error
          : '';
    if (s === 401 || s === 403)
      return {
        kind: 'fatal',
        error: new ConnectorError(
          `Elasticsearch refused the bulk request with ${s} ${type}: ${reason}. Check auth and that the user may write to the target indices`,
        ),
      };
    if (s === 400 || s === 413)
      return { kind: 'narrow', error: new ElasticsearchItemError(s, type, reason, what) };
    if (s === 408 || s === 429 || s >= 500 || s === 0)
      return { kind: 'retry', reason: `bulk request failed with ${s} ${type}: ${reason}` };
    return {
      kind: 'fatal',
      error: new Error(`bulk request failed with ${s} ${type}: ${reason}`, { cause: err }),
    };
  }
  if (err instanceof errors.ProductNotSupportedError)
    return {
      kind: 'fatal',
      error: new ConnectorError('the server at `node` is not Elasticsearch 8 (product check failed)', {
        cause: err,
      }),
    };
  // Connection errors, timeouts, no living connections: the cluster may come back.
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'retry', reason: `bulk request failed: ${name}: ${message}` };
}
