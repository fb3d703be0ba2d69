/**
 * Dotted field paths into record values (`user.address.city`). Values are treated as immutable: writes copy
 * the objects along the path, so a transform never changes the record it was given.
 */

export type FieldPath = readonly string[];

export const MISSING: unique symbol = Symbol('missing');

export function parseFieldPath(path: string): FieldPath {
  return path.split('.');
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

export function getField(value: unknown, path: FieldPath): unknown {
  let cur: unknown = value;
  for (const part of path) {
    if (!isObject(cur) || !Object.prototype.hasOwnProperty.call(cur, part)) return MISSING;
    cur = cur[part];
  }
  return cur;
}

/** A copy of `obj` with `path` set, creating missing parents; unchanged if a parent is a non-object value. */
export function setField(obj: Record<string, unknown>, path: FieldPath, v: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return obj;
  if (rest.length === 0) return { ...obj, [head]: v };
  const child = Object.prototype.hasOwnProperty.call(obj, head) ? obj[head] : {};
  if (!isObject(child)) return obj;
  const next = setField(child, rest, v);
  return next === child ? obj : { ...obj, [head]: next };
}

/** A copy of `obj` without `path`; the same object when there was nothing to remove. */
export function deleteField(obj: Record<string, unknown>, path: FieldPath): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined || !Object.prototype.hasOwnProperty.call(obj, head)) return obj;
  if (rest.length === 0) {
    const copy = { ...obj };
    delete copy[head];
    return copy;
  }
  const child = obj[head];
  if (!isObject(child)) return obj;
  const next = deleteField(child, rest);
  return next === child ? obj : { ...obj, [head]: next };
}

/** A copy of `obj` with the leaf key of `path` renamed in place (key order kept); same object if absent. */
export function renameLeaf(
  obj: Record<string, unknown>,
  path: FieldPath,
  to: string,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined || !Object.prototype.hasOwnProperty.call(obj, head)) return obj;
  if (rest.length === 0) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (k === to && k !== head) continue; // the renamed field replaces an existing one of the new name
      out[k === head ? to : k] = v;
    }
    return out;
  }
  const child = obj[head];
  if (!isObject(child)) return obj;
  const next = renameLeaf(child, rest, to);
  return next === child ? obj : { ...obj, [head]: next };
}
