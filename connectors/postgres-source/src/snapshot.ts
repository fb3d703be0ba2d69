import type { SourceOffset, SourceRecord } from '@tributary/connect-sdk';
import type { Client, CustomTypesConfig } from 'pg';
import { qualified, quoteIdent, type TableInfo } from './catalog';
import type { Envelope, Row } from './envelope';
import type { TypeCatalog } from './type-mapping';

/** Snapshot progress as stored in the offset: tables finished, and the last key read of the current one. */
export interface SnapshotProgress {
  completed: string[];
  table: string | null;
  /** The current table's last primary key, as Postgres text (it binds back exactly); null = from the start. */
  lastKey: string[] | null;
}

export interface SnapshotStats {
  table: string | null;
  rows: Record<string, number>;
  tables_done: number;
  tables_total: number;
  estimated_rows: number;
}

/** Every value as Postgres's text, so the snapshot maps types exactly like the stream does. */
export const RAW_TEXT = { getTypeParser: () => (v: string) => v } as unknown as CustomTypesConfig;

export interface SnapshotReaderOptions {
  /** A connection already inside the REPEATABLE READ snapshot transaction. */
  client: Client;
  tables: readonly TableInfo[];
  from: SnapshotProgress;
  /** The LSN stamped on snapshot rows and kept in their offsets (the stream resumes from the slot anyway). */
  lsn: number;
  fetchSize: number;
  types: TypeCatalog;
  envelope: Envelope;
  stats: SnapshotStats;
  /** Hands a record to the queue, waiting while it is full. */
  emit(r: SourceRecord): Promise<void>;
  stopped(): boolean;
}

/**
 * Reads every table in primary-key order with keyset pagination (`WHERE (pk) > (last) ORDER BY pk LIMIT n`), so a
 * restarted snapshot continues after the last stored key. Tables without a primary key are read with a cursor
 * and restart from their beginning after an interruption. The final row of the whole snapshot is held back
 * so it can be marked `snapshot: "last"` with an offset saying the snapshot is complete.
 */
export async function readSnapshot(o: SnapshotReaderOptions): Promise<boolean> {
  const completed = [...o.from.completed];
  let held: SourceRecord | null = null;
  const push = async (r: SourceRecord): Promise<void> => {
    if (held) await o.emit(held);
    held = r;
  };
  const tsMs = Date.now();
  for (const t of o.tables) {
    if (completed.includes(t.id)) continue;
    if (o.stopped()) return false;
    o.stats.table = t.id;
    const startKey = o.from.table === t.id ? o.from.lastKey : null;
    // Per table, not per row: the finished tables and the event source are the same for every row of it.
    const done = [...completed];
    const src = {
      schema: t.schema,
      table: t.name,
      lsn: o.lsn,
      version: o.lsn,
      txId: null,
      tsMs,
      snapshot: 'true' as const,
    };
    let shape: { fields: readonly { name: string }[]; map: ((v: string) => unknown)[]; pk: number[] } | null =
      null;
    const rowToRecord = (
      fields: Array<{ name: string; dataTypeID: number }>,
      values: unknown[],
    ): SourceRecord => {
      if (shape?.fields !== fields) {
        // pg hands every result of a query its own fields array: resolve mappers and key columns once per query.
        shape = {
          fields,
          map: fields.map((f) => o.types.mapper(f.dataTypeID)),
          pk: t.pk.map((c) => fields.findIndex((f) => f.name === c)),
        };
      }
      const after: Row = {};
      for (let i = 0; i < fields.length; i++) {
        const v = values[i];
        after[fields[i]!.name] = v === null || v === undefined ? null : shape.map[i]!(v as string);
      }
      let key: Row | null = null;
      let lastKey: string[] | null = null;
      if (shape.pk.length > 0) {
        key = {};
        lastKey = [];
        for (const i of shape.pk) {
          key[fields[i]!.name] = after[fields[i]!.name];
          lastKey.push(values[i] as string);
        }
      }
      const offset: SourceOffset = { lsn: o.lsn, snapshot: { completed: done, table: t.id, lastKey } };
      o.stats.rows[t.id] = (o.stats.rows[t.id] ?? 0) + 1;
      return o.envelope.change('r', key, null, after, src, offset);
    };

    if (t.pk.length > 0) {
      const cols = t.pk.map(quoteIdent).join(', ');
      let last = startKey;
      for (;;) {
        if (o.stopped()) return false;
        const where = last ? `WHERE (${cols}) > (${t.pk.map((_, i) => `$${i + 1}`).join(', ')})` : '';
        const res = await o.client.query({
          text: `SELECT * FROM ${qualified(t)} ${where} ORDER BY ${cols} LIMIT ${o.fetchSize}`,
          values: last ?? [],
          rowMode: 'array',
          types: RAW_TEXT,
        });
        for (const values of res.rows as unknown[][]) await push(rowToRecord(res.fields, values));
        if (res.rows.length < o.fetchSize) break;
        const lastRow = res.rows[res.rows.length - 1] as string[];
        last = t.pk.map((c) => lastRow[res.fields.findIndex((f) => f.name === c)] as string);
      }
    } else {
      await o.client.query(`DECLARE tributary_snapshot NO SCROLL CURSOR FOR SELECT * FROM ${qualified(t)}`);
      for (;;) {
        if (o.stopped()) return false;
        const res = await o.client.query({
          text: `FETCH ${o.fetchSize} FROM tributary_snapshot`,
          rowMode: 'array',
          types: RAW_TEXT,
        });
        for (const values of res.rows as unknown[][]) await push(rowToRecord(res.fields, values));
        if (res.rows.length < o.fetchSize) break;
      }
      await o.client.query('CLOSE tributary_snapshot');
    }
    completed.push(t.id);
    o.stats.tables_done = completed.length;
  }
  const final = held as SourceRecord | null;
  if (final) {
    const value = final.value as { source: { snapshot: string } };
    value.source.snapshot = 'last';
    // No `snapshot` key: a restart from here streams, it does not snapshot again.
    await o.emit({ ...final, sourceOffset: { lsn: o.lsn } });
  }
  o.stats.table = null;
  return true;
}
