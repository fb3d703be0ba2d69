/**
 * The CDC checker, pure (no I/O): a normaliser shared by the topic side (Debezium envelopes) and the database side
 * (rows read with `json_build_object`, bigint/numeric cast to text), the reduction of a topic to its latest row
 * per key, the comparison with the table, and the "no committed change missing" check against the ordered
 * history the workload recorded. cdc-harness.ts feeds it; cdc-check.e2e-spec.ts tests it on hand-written topics.
 */

/** Column types the CDC tests use, with the representation the connector promises for each. */
export type ColType = 'int' | 'bigint' | 'numeric' | 'text' | 'bool' | 'timestamptz' | 'jsonb';

export interface ColumnSpec {
  name: string;
  type: ColType;
  /** The DDL type, e.g. `numeric(18,4) not null`. */
  ddl: string;
}

export interface TableSpec {
  /** Unqualified name in schema `public`. */
  name: string;
  columns: readonly ColumnSpec[];
  pk: readonly string[];
}

/** A consumed record of a `<prefix>.public.<table>` topic, key and value parsed from the JSON converter. */
export interface CdcEvent {
  partition: number;
  offset: number;
  key: unknown;
  /** null = tombstone. */
  value: Envelope | null;
}

export interface Envelope {
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source?: { lsn?: unknown; txId?: unknown; snapshot?: unknown; schema?: unknown; table?: unknown };
  op: string;
  ts_ms?: unknown;
}

/** A history entry's image for a delete (rows are canonical JSON objects, so this never collides). */
export const DELETED = '<deleted>';
/** What a column the envelope left out normalises to, so that a dropped column shows as a difference. */
export const ABSENT = '<absent>';

/** One committed change of one key, in commit order per key. */
export interface HistoryEntry {
  /** Canonical row image after the change (see `canonicalRow`), or DELETED. */
  image: string;
  /** The transaction's id (txid_current), for failure messages. */
  xid: string;
  /** `pg_current_wal_lsn()` read inside the transaction just before COMMIT: a lower bound of its commit LSN. */
  lsnBefore: bigint;
}

/** Per table, per canonical key: the changes the workload committed, in order. */
export type History = Map<string, Map<string, HistoryEntry[]>>;

/** JSON with object keys sorted at every level, so equal values have equal text. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sortKeys(o[k])]),
    );
  }
  return v;
}

const TS = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d(?::?\d\d)?)?$/;

/**
 * A timestamptz as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds), from any ISO-8601 / Postgres text form.
 * Keeps microseconds (a JS Date would drop them), so a connector that truncates them shows a difference.
 */
export function normTimestamp(s: string): string {
  const m = TS.exec(s);
  if (!m) return s;
  let zone = m[4] ?? 'Z';
  if (/^[+-]\d\d$/.test(zone)) zone += ':00';
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${zone}`);
  if (Number.isNaN(ms)) return s;
  const frac = (m[3] ?? '').padEnd(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

/**
 * One value in the connector's promised representation. Strict on types (bigint and numeric must be strings, a
 * timestamp a string); lenient only on formatting that carries no information: timestamp zone/precision
 * spelling, jsonb as a parsed value or as its text, object key order.
 */
export function normValue(type: ColType, v: unknown): unknown {
  if (v === undefined) return ABSENT;
  if (v === null) return null;
  switch (type) {
    case 'timestamptz':
      return typeof v === 'string' ? normTimestamp(v) : v;
    case 'jsonb':
      if (typeof v === 'string') {
        try {
          return sortKeys(JSON.parse(v));
        } catch {
          return v;
        }
      }
      return sortKeys(v);
    default:
      return v;
  }
}

/** A row (envelope `after`/`before`, or the database's JSON) normalised column by column; unknown keys kept. */
export function normRow(table: TableSpec, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of table.columns) out[c.name] = normValue(c.type, row[c.name]);
  for (const k of Object.keys(row)) if (!(k in out)) out[k] = row[k];
  return out;
}

export function canonicalRow(table: TableSpec, row: Record<string, unknown>): string {
  return canonicalJson(normRow(table, row));
}

/** The canonical key of a row or of a record key object: its primary-key columns, normalised. */
export function canonicalKey(table: TableSpec, row: Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  for (const name of table.pk) {
    const c = table.columns.find((x) => x.name === name);
    if (!c) throw new Error(`table ${table.name}: pk column ${name} is not a column`);
    out[name] = normValue(c.type, row[name]);
  }
  return canonicalJson(out);
}

/** The SQL expression turning a row of `table` (alias-free, e.g. in RETURNING) into the JSON the normaliser reads. */
export function rowJsonSql(table: TableSpec): string {
  const parts = table.columns.map((c) => {
    const expr = c.type === 'bigint' || c.type === 'numeric' ? `${c.name}::text` : c.name;
    return `'${c.name}', ${expr}`;
  });
  return `json_build_object(${parts.join(', ')})::text`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Groups a topic's events by canonical key, in (partition, offset) order, noting malformed records. */
export function groupByKey(
  table: TableSpec,
  events: readonly CdcEvent[],
): { byKey: Map<string, CdcEvent[]>; anomalies: string[] } {
  const anomalies: string[] = [];
  const byKey = new Map<string, CdcEvent[]>();
  const partitionOf = new Map<string, number>();
  const sorted = [...events].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const e of sorted) {
    const where = `${table.name}@${e.partition}:${e.offset}`;
    if (!isObject(e.key)) {
      anomalies.push(`${where}: key is not a JSON object: ${JSON.stringify(e.key)}`);
      continue;
    }
    const key = canonicalKey(table, e.key);
    if (e.value !== null) {
      const v = e.value;
      if (!isObject(v) || typeof v.op !== 'string') {
        anomalies.push(`${where}: value is not an envelope: ${JSON.stringify(v).slice(0, 200)}`);
        continue;
      }
      const img = v.op === 'd' ? v.before : v.after;
      if ((v.op === 'c' || v.op === 'u' || v.op === 'r') && !isObject(v.after))
        anomalies.push(`${where}: op ${v.op} without an after image`);
      else if (isObject(img) && canonicalKey(table, img) !== key)
        anomalies.push(
          `${where}: op ${v.op}: record key ${key} but the row's key is ${canonicalKey(table, img)}`,
        );
    }
    const p = partitionOf.get(key);
    if (p === undefined) partitionOf.set(key, e.partition);
    else if (p !== e.partition)
      anomalies.push(`${where}: key ${key} also appears in partition ${p} (per-key order is lost)`);
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(e);
  }
  return { byKey, anomalies };
}

export interface Reduced {
  /** canonical key -> canonical row, what a compacted topic / a consumer applying every event ends up with. */
  state: Map<string, string>;
  anomalies: string[];
}

export interface CheckOptions {
  /**
   * The connector's marker for an unchanged TOAST value it could not send (`toast.placeholder`). A consumer
   * keeps the value it has for such a field, so the reduction does too, and history matching treats the field
   * as "any value".
   */
  placeholder?: string;
}

/**
 * The latest row per key: `after` of the last c/u/r event (fields holding the TOAST placeholder keep the previous
 * value of that key); a d event or a tombstone removes the key (the workload never truncates). Also checks that
 * a key whose last change is a delete is followed by a tombstone.
 */
export function reduceTopic(table: TableSpec, events: readonly CdcEvent[], opts: CheckOptions = {}): Reduced {
  const { byKey, anomalies } = groupByKey(table, events);
  const state = new Map<string, string>();
  for (const [key, list] of byKey) {
    let row: Record<string, unknown> | null = null;
    let lastChange: string | null = null;
    for (const e of list) {
      if (e.value === null) {
        row = null;
        continue;
      }
      lastChange = e.value.op;
      if (e.value.op === 'd') row = null;
      else if (isObject(e.value.after)) {
        const next = normRow(table, e.value.after);
        if (opts.placeholder !== undefined)
          for (const [k, v] of Object.entries(e.value.after))
            if (v === opts.placeholder && row !== null && k in row) next[k] = row[k];
        row = next;
      }
    }
    if (row !== null) state.set(key, canonicalJson(row));
    if (lastChange === 'd' && list[list.length - 1]!.value !== null)
      anomalies.push(`${table.name}: key ${key}: the last delete is not followed by a tombstone`);
  }
  return { state, anomalies };
}

export interface RowDifference {
  key: string;
  topic: string;
  db: string;
}

export interface StateDiff {
  /** Keys in the table but not in the reduced topic. */
  missing: string[];
  /** Keys in the reduced topic but not in the table. */
  extra: string[];
  different: RowDifference[];
}

/** Compares the reduced topic with the table (`dbRows`: canonical key -> canonical row). */
export function compareState(topic: Map<string, string>, dbRows: Map<string, string>): StateDiff {
  const missing: string[] = [];
  const extra: string[] = [];
  const different: RowDifference[] = [];
  for (const [key, db] of dbRows) {
    const t = topic.get(key);
    if (t === undefined) missing.push(key);
    else if (t !== db) different.push({ key, topic: t, db });
  }
  for (const key of topic.keys()) if (!dbRows.has(key)) extra.push(key);
  return { missing, extra, different };
}

/** The database side: rows as `rowJsonSql` returns them (JSON text) -> canonical key -> canonical row. */
export function dbState(table: TableSpec, jsonRows: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const text of jsonRows) {
    const row = JSON.parse(text) as Record<string, unknown>;
    out.set(canonicalKey(table, row), canonicalRow(table, row));
  }
  return out;
}

/** Parses an LSN as the envelope or Postgres spells it: `16/B374D848`, a decimal string or a number. */
export function parseLsn(v: unknown): bigint | null {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return BigInt(Math.trunc(v));
  if (typeof v !== 'string') return null;
  const m = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(v);
  if (m) return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
  if (/^\d+$/.test(v)) return BigInt(v);
  return null;
}

/** The latest snapshot position the topics show: the greatest `source.lsn` of an `r` event (0 if none). */
export function snapshotLsn(allEvents: Iterable<readonly CdcEvent[]>): bigint {
  let max = 0n;
  for (const events of allEvents)
    for (const e of events) {
      if (e.value?.op !== 'r') continue;
      const l = parseLsn(e.value.source?.lsn);
      if (l !== null && l > max) max = l;
    }
  return max;
}

export interface MissingChange {
  key: string;
  image: string;
  xid: string;
}

export interface PhantomEvent {
  key: string;
  at: string;
  op: string;
  image: string;
}

export interface HistoryCheck {
  /** Committed changes (that had to be streamed) that never show up in the topic in their key's order. */
  missing: MissingChange[];
  /** Events whose row image no committed change of that key produced (rolled back, invented or mangled). */
  phantom: PhantomEvent[];
  /** Snapshot events older than a change already delivered for the key. */
  regressed: string[];
  /** How many history entries had to be streamed (committed after the snapshot): what the check covered. */
  required: number;
}

/**
 * "No committed change is missing", per key, against the workload's ordered history. Row images are unique per
 * key (every write bumps a `rev` column and keys are never reused), so an event names the history entry it
 * delivers. Only changes committed after the snapshot point (`lsnBefore >= snapshotAt`, see `snapshotLsn`) have
 * to be streamed: the stream starts there, whatever time a (possibly resumed) snapshot read its rows at, so
 * snapshot events never stand in for them. Walking the key's c/u/d events in topic order with a cursor `i`:
 *  - an event for entry `j >= i` delivers it; required entries i..j-1 it jumped over are missing (a change that
 *    arrives late, out of key order, is thus reported too);
 *  - an event for `j < i` is a redelivery (at-least-once after a crash), allowed;
 *  - required entries left after the last event are missing.
 * An r event older than what the key already delivered is "regressed"; an image no entry has is a phantom
 * (a rolled-back or invented change). An image with TOAST placeholders matches the entry that agrees on every
 * other field.
 */
export function checkHistory(
  table: TableSpec,
  events: readonly CdcEvent[],
  history: Map<string, HistoryEntry[]>,
  snapshotAt: bigint,
  opts: CheckOptions = {},
): HistoryCheck {
  const { byKey } = groupByKey(table, events);
  const missing: MissingChange[] = [];
  const phantom: PhantomEvent[] = [];
  const regressed: string[] = [];
  const required = (h: HistoryEntry): boolean => h.lsnBefore >= snapshotAt;
  let requiredCount = 0;
  for (const entries of history.values()) for (const h of entries) if (required(h)) requiredCount++;
  const skip = (key: string, entries: HistoryEntry[], from: number, to: number): void => {
    for (let k = from; k < to; k++) {
      const h = entries[k]!;
      if (required(h)) missing.push({ key, image: h.image, xid: h.xid });
    }
  };
  const keys = new Set<string>([...history.keys(), ...byKey.keys()]);
  for (const key of keys) {
    const entries = history.get(key) ?? [];
    const index = new Map<string, number>();
    entries.forEach((h, k) => index.set(h.image, k));
    let i = 0;
    let newest = -1;
    for (const e of byKey.get(key) ?? []) {
      const v = e.value;
      if (v === null) continue;
      const row = v.op === 'd' ? null : v.after;
      const image = v.op === 'd' ? DELETED : isObject(row) ? canonicalRow(table, row) : '(none)';
      let j = index.get(image);
      if (j === undefined && isObject(row) && opts.placeholder !== undefined)
        j = matchWithPlaceholders(table, row, entries, opts.placeholder);
      if (j === undefined) {
        phantom.push({ key, at: `${e.partition}:${e.offset}`, op: v.op, image });
        continue;
      }
      if (v.op === 'r' && j < newest)
        regressed.push(
          `${table.name} ${key} at ${e.partition}:${e.offset}: snapshot of change ${j} after change ${newest}`,
        );
      newest = Math.max(newest, j);
      if (v.op === 'r') continue;
      if (j >= i) {
        skip(key, entries, i, j);
        i = j + 1;
      }
    }
    skip(key, entries, i, entries.length);
  }
  return { missing, phantom, regressed, required: requiredCount };
}

/** The index of the entry equal to `row` on every field that is not the placeholder, if exactly one is. */
function matchWithPlaceholders(
  table: TableSpec,
  row: Record<string, unknown>,
  entries: readonly HistoryEntry[],
  placeholder: string,
): number | undefined {
  const known = Object.keys(row).filter((k) => row[k] !== placeholder);
  if (known.length === Object.keys(row).length) return undefined;
  const norm = normRow(table, row);
  const want = known.map((k) => canonicalJson(norm[k]));
  let found: number | undefined;
  for (let j = 0; j < entries.length; j++) {
    if (entries[j]!.image === DELETED) continue;
    const e = JSON.parse(entries[j]!.image) as Record<string, unknown>;
    if (known.every((k, n) => canonicalJson(e[k]) === want[n])) {
      if (found !== undefined) return undefined;
      found = j;
    }
  }
  return found;
}
