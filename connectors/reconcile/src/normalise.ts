import { canonicalJson } from '@tributary/common';
import type { FieldDiff } from './report-types';
import type { ReconcileConfig } from './config';

/** Leaf values by dotted path; arrays are leaves (compared whole), nested objects are flattened. */
export type Flat = Record<string, unknown>;

function flatten(value: unknown, prefix: string, out: Flat): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (prefix !== '') {
    out[prefix] = value;
  }
}

/** `name` is `prefix` or lies inside it (`customer.email` inside `customer`). */
function within(name: string, prefix: string): boolean {
  return name === prefix || (name.startsWith(prefix) && name.charCodeAt(prefix.length) === 46); /* . */
}

const NUMERIC = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function asNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return null;
}

function truncateTime(v: unknown, unitMs: number): unknown {
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms) || unitMs <= 0) return v;
  return new Date(Math.floor(ms / unitMs) * unitMs).toISOString();
}

/**
 * Turns each side's value into the form that is compared: flattened, left names mapped to right names, ignored
 * fields dropped, timestamps truncated. The result is canonical JSON, so it is stored and compared as a string.
 */
export class Normaliser {
  /** Longest prefix first, so `customer.email` wins over `customer`. */
  private readonly map: [string, string][];
  private readonly truncate: [string, number][];

  constructor(private readonly rules: ReconcileConfig['fields']) {
    this.map = Object.entries(rules.map).sort((a, b) => b[0].length - a[0].length);
    this.truncate = Object.entries(rules.truncate);
  }

  /** `skip`: fields of this side left out before anything else (its business key fields). */
  normalise(side: 'left' | 'right', value: unknown, skip: readonly string[] = []): string {
    const flat: Flat = {};
    flatten(value, '', flat);
    const out: Flat = {};
    for (const [path, v] of Object.entries(flat)) {
      if (skip.includes(path)) continue;
      const name = side === 'left' ? this.rename(path) : path;
      if (this.rules.ignore.some((p) => within(name, p) || within(path, p))) continue;
      if (this.rules.only && !this.rules.only.some((p) => within(name, p))) continue;
      // Absent and null are the same to a reader of either service.
      if (v === null) continue;
      const unit = this.truncate.find(([p]) => within(name, p))?.[1];
      out[name] = unit === undefined ? v : truncateTime(v, unit);
    }
    return canonicalJson(out);
  }

  /** Every field that differs between two normalised values, by name. */
  diff(left: string, right: string): FieldDiff[] {
    if (left === right) return [];
    const l = JSON.parse(left) as Flat;
    const r = JSON.parse(right) as Flat;
    const out: FieldDiff[] = [];
    for (const field of [...new Set([...Object.keys(l), ...Object.keys(r)])].sort()) {
      const inL = Object.hasOwn(l, field);
      const inR = Object.hasOwn(r, field);
      if (!inL) out.push({ field, right: r[field] });
      else if (!inR) out.push({ field, left: l[field] });
      else if (!this.equal(field, l[field], r[field])) out.push({ field, left: l[field], right: r[field] });
    }
    return out;
  }

  private equal(field: string, a: unknown, b: unknown): boolean {
    const x = asNumber(a);
    const y = asNumber(b);
    if (x !== null && y !== null) {
      const tol = this.rules.tolerance[field] ?? 0;
      // A relative epsilon so 0.1 + 0.2 equals 0.3 with a tolerance of 0.
      return Math.abs(x - y) <= tol + 1e-12 * Math.max(Math.abs(x), Math.abs(y));
    }
    if (typeof a !== 'object' || typeof b !== 'object') return a === b;
    return canonicalJson(a) === canonicalJson(b);
  }

  private rename(path: string): string {
    for (const [from, to] of this.map) {
      if (within(path, from)) return to + path.slice(from.length);
    }
    return path;
  }
}
