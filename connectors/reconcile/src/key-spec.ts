/**
 * Business keys and field reads. A key spec is a field path (`order_id`, `customer.id`, `$.order.id`,
 * `items[0].sku`) or a template joining several (`{{region}}-{{order_id}}`).
 */

export type FieldPath = readonly (string | number)[];

export type KeySpec = { kind: 'path'; path: FieldPath } | { kind: 'template'; parts: (string | FieldPath)[] };

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const SEGMENT = /^([^.[\]\s]+)?((?:\[\d+\])*)$/;

/** `a.b[0].c` (optionally `$.`-prefixed) as segments; null when malformed. */
export function parsePath(text: string): FieldPath | null {
  const body = text.startsWith('$.') ? text.slice(2) : text;
  if (body === '' || /\s/.test(body)) return null;
  const out: (string | number)[] = [];
  for (const seg of body.split('.')) {
    const m = SEGMENT.exec(seg);
    if (!m || (!m[1] && !m[2])) return null;
    if (m[1]) out.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export function parseKeySpec(text: string): { ok: true; value: KeySpec } | { ok: false; error: string } {
  if (!text.includes('{{')) {
    const path = parsePath(text);
    return path
      ? { ok: true, value: { kind: 'path', path } }
      : { ok: false, error: `"${text}" is not a field path (e.g. order_id, customer.id) or a {{template}}` };
  }
  const parts: (string | FieldPath)[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    last = m.index + m[0].length;
    const path = parsePath(m[1] ?? '');
    if (!path) return { ok: false, error: `"{{${m[1] ?? ''}}}" in "${text}" is not a field path` };
    parts.push(path);
  }
  if (last < text.length) parts.push(text.slice(last));
  if (parts.some((p) => typeof p === 'string' && /\{\{|\}\}/.test(p))) {
    return { ok: false, error: `unbalanced "{{" or "}}" in key template "${text}"` };
  }
  return { ok: true, value: { kind: 'template', parts } };
}

export function readPath(value: unknown, path: FieldPath): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** The key text from a value, or null when a field it names is missing or not a scalar. */
export function extractKey(spec: KeySpec, value: unknown): string | null {
  if (spec.kind === 'path') return scalarText(readPath(value, spec.path));
  let out = '';
  for (const p of spec.parts) {
    if (typeof p === 'string') out += p;
    else {
      const t = scalarText(readPath(value, p));
      if (t === null) return null;
      out += t;
    }
  }
  return out;
}

function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return null;
}

export function normaliseKey(key: string, opts: { lowercase: boolean; trim: boolean }): string {
  const k = opts.trim ? key.trim() : key;
  return opts.lowercase ? k.toLowerCase() : k;
}

export function formatPath(path: FieldPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
