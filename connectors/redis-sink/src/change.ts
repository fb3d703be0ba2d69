import type { SinkRecord } from '@tributary/connect-sdk';

/** Debezium operations: create, update, delete, read (snapshot), truncate. */
const OPS = new Set(['c', 'u', 'd', 'r', 't']);

/** What one record asks of the sink. */
export interface Change {
  /** write: upsert `row`; delete: remove the key; truncate: a table-wide op "t" (no key). */
  action: 'write' | 'delete' | 'truncate';
  /** The envelope's op; "d" for a tombstone; "c" for a plain value. */
  op: string;
  key: unknown;
  /**
   * What is written or sent: the unwrapped `after` (`before` for a delete, which may hold only the key
   * columns) or, for plain values and with unwrap off, the value as it is. null for a tombstone.
   */
  row: unknown;
  /** The envelope's `source` block, if any. */
  source: Record<string, unknown> | null;
  /** Source position as a canonical decimal string, from the `source.lsn` header or the envelope. */
  lsn: string | null;
  /**
   * The LSN came from the `source.lsn` header: postgres-source's version (commit LSN, snapshot LSN for reads),
   * which orders every change of a key. An envelope's own `source.lsn` (e.g. Debezium's) is the change's WAL
   * position, which a snapshot read can exceed while older-looking changes are still to come.
   */
  lsnIsVersion: boolean;
  tombstone: boolean;
}

interface Envelope {
  before?: unknown;
  after?: unknown;
  source?: unknown;
  op: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);
}

export function isEnvelope(v: unknown): v is Envelope {
  return isObject(v) && typeof v.op === 'string' && OPS.has(v.op) && ('after' in v || 'before' in v);
}

/** A decimal LSN without leading zeros (so the Lua guard can compare by length, then text), or null. */
export function normalizeLsn(v: unknown): string | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? String(v) : null;
  if (Buffer.isBuffer(v)) v = v.toString('utf8');
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return /^\d+$/.test(t) ? BigInt(t).toString() : null;
}

/** Reads a record as a change; throws (for the errors policy) on an envelope that cannot be applied. */
export function interpret(record: SinkRecord, unwrap: boolean): Change {
  const value = record.value;
  const env = isEnvelope(value) ? value : null;
  const source = env && isObject(env.source) ? env.source : null;
  const header = normalizeLsn(record.headers['source.lsn']);
  const lsn = header ?? normalizeLsn(source?.lsn);
  const base = { key: record.key, source, lsn, lsnIsVersion: header !== null };
  if (value === null || value === undefined) {
    return { ...base, action: 'delete', op: 'd', row: null, tombstone: true };
  }
  if (!env || !unwrap) {
    return { ...base, action: 'write', op: env?.op ?? 'c', row: value, tombstone: false };
  }
  if (env.op === 'd') {
    return { ...base, action: 'delete', op: 'd', row: env.before ?? null, tombstone: false };
  }
  if (env.op === 't') return { ...base, action: 'truncate', op: 't', row: null, tombstone: false };
  if (env.after === null || env.after === undefined) {
    throw new Error(`a Debezium op "${env.op}" event without "after"`);
  }
  return { ...base, action: 'write', op: env.op, row: env.after, tombstone: false };
}
