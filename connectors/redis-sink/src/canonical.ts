/**
 * Canonical JSON: object keys sorted at every depth, so equal rows give byte-equal text (a replay rewrites the
 * same bytes, and readers can compare values as strings). Buffers become UTF-8 text, undefined becomes null.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const src = v as Record<string, unknown>;
    // toJSON first (Dates and the like), as JSON.stringify would.
    const json = (src as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function') return sortKeys(json.call(src));
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src).sort()) {
      if (src[k] !== undefined) out[k] = sortKeys(src[k]);
    }
    return out;
  }
  return v;
}

/** A scalar as Redis text: strings as they are, numbers and booleans via String, objects and arrays as JSON. */
export function redisText(v: unknown): string | Buffer {
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return canonicalJson(v);
}
