import { ConnectorError, type SourceOffset, type SourceRecord } from '@tributary/connect-sdk';
import type { Logger } from 'pino';
import type { Client } from 'pg';
import { qualified, quoteIdent, type TableInfo } from './catalog';
import { WATERMARK_PREFIX, type StreamHooks } from './change-decoder';
import type { Envelope, Row } from './envelope';
import { RAW_TEXT } from './snapshot';
import type { TypeCatalog } from './type-mapping';

/** Incremental-snapshot progress kept in every streamed offset, so a restart continues the same table. */
export interface IncrementalProgress {
  table: string;
  lastKey: string[] | null;
  pending: string[];
}

interface Chunk {
  id: string;
  table: TableInfo;
  /** Selected rows by key JSON, in key order. */
  rows: Map<string, { key: Row; after: Row; raw: string[] }>;
  /** Keys with a streamed change since the low watermark: their selected row may be stale, so it is dropped. */
  changed: Set<string>;
  /** The chunk's last primary key (raw text), where the next chunk starts. */
  lastKey: string[] | null;
  full: boolean;
  open: boolean;
}

export interface IncrementalOptions {
  tables: readonly TableInfo[];
  chunkSize: number;
  types: TypeCatalog;
  envelope: Envelope;
  client: () => Client | null;
  /** Sends a record in stream order, outside any transaction. */
  emitLoose(make: (offset: SourceOffset) => SourceRecord, lsn: number): Promise<void>;
  log: Logger;
  resume: IncrementalProgress | null;
}

/**
 * Incremental snapshots while streaming continues (DBLog, as in Debezium): for each chunk, a low watermark
 * message is written to the WAL, the next `incremental.chunk.size` rows after the last key are selected, and a
 * high watermark is written. When the stream reaches the low watermark a window opens; every streamed change
 * inside it removes its key from the chunk (the streamed event is newer); at the high watermark the remaining
 * rows are emitted as op "r" with snapshot "incremental". Rows and changes thus never overwrite a newer value.
 */
export class IncrementalSnapshots {
  private queue: string[] = [];
  private current: { table: TableInfo; lastKey: string[] | null } | null = null;
  private chunk: Chunk | null = null;
  private seq = 0;
  private stopped = false;
  private readonly stats = { chunks: 0, rows: 0, tables_done: [] as string[] };

  constructor(private readonly o: IncrementalOptions) {
    const r = o.resume;
    if (r) {
      const t = o.tables.find((x) => x.id === r.table);
      if (t) this.current = { table: t, lastKey: r.lastKey };
      this.queue = r.pending.filter((id) => o.tables.some((x) => x.id === id));
    }
  }

  /** Continues a snapshot that was running when the task stopped. */
  resume(): void {
    if (this.current) this.next();
  }

  /** Queues tables (ids of captured tables with a primary key); starts at once if idle. */
  request(ids: readonly string[]): Record<string, unknown> {
    const tables = ids.map((id) => {
      const t = this.o.tables.find((x) => x.id === id);
      if (!t) {
        throw new ConnectorError(
          `execute-snapshot: "${id}" is not a captured table (captured: ${this.o.tables.map((x) => x.id).join(', ')})`,
        );
      }
      if (t.pk.length === 0)
        throw new ConnectorError(`execute-snapshot: "${id}" has no primary key to chunk by`);
      return t;
    });
    const added: string[] = [];
    for (const t of tables) {
      if (this.current?.table.id === t.id || this.queue.includes(t.id)) continue;
      this.queue.push(t.id);
      added.push(t.id);
    }
    if (!this.current) this.next();
    return { accepted: added, running: this.current?.table.id ?? null, queued: [...this.queue] };
  }

  /** Offset fields describing the snapshot in progress (null when none runs). */
  progress(): IncrementalProgress | null {
    if (!this.current) return null;
    return { table: this.current.table.id, lastKey: this.current.lastKey, pending: [...this.queue] };
  }

  status(): Record<string, unknown> {
    return {
      running: this.current?.table.id ?? null,
      queued: [...this.queue],
      chunks: this.stats.chunks,
      rows: this.stats.rows,
      tables_done: [...this.stats.tables_done],
    };
  }

  stop(): void {
    this.stopped = true;
  }

  hooks(): StreamHooks {
    return {
      watching: (tableId) => !!this.chunk?.open && this.chunk.table.id === tableId,
      onChange: (tableId, keyJson) => {
        const c = this.chunk;
        if (c && c.open && c.table.id === tableId) c.changed.add(keyJson);
      },
      onWatermark: (content, lsn) => this.onWatermark(content, lsn),
      onSignal: (row) => this.onSignal(row),
    };
  }

  /** A signal-table row in Debezium's shape: type "execute-snapshot", data {"data-collections": [...]}. */
  private onSignal(row: Row): void {
    if (row['type'] !== 'execute-snapshot') return;
    try {
      const raw = row['data'];
      const data = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
      const ids = data?.['data-collections'];
      if (!Array.isArray(ids)) throw new Error('data has no "data-collections" list');
      this.o.log.info(
        { tables: ids, signal: row['id'] },
        'incremental snapshot requested through the signal table',
      );
      this.request(ids.map(String));
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message, signal: row['id'] }, 'ignoring an invalid signal row');
    }
  }

  /** Starts the next chunk (of the current table, or of the next queued one). Runs outside the stream handler. */
  private next(): void {
    if (this.stopped) return;
    if (!this.current) {
      const id = this.queue.shift();
      const t = id ? this.o.tables.find((x) => x.id === id) : undefined;
      if (!t) return;
      this.current = { table: t, lastKey: null };
    }
    const cur = this.current;
    setImmediate(() => {
      this.readChunk(cur.table, cur.lastKey).catch((e: unknown) => {
        // The window is dropped; the same chunk is tried again on the next heartbeat-ish retry.
        this.o.log.warn(
          { err: (e as Error).message, table: cur.table.id },
          'incremental snapshot chunk failed',
        );
        this.chunk = null;
        if (!this.stopped) setTimeout(() => this.next(), 1000).unref();
      });
    });
  }

  private async readChunk(t: TableInfo, lastKey: string[] | null): Promise<void> {
    const client = this.o.client();
    if (!client || this.stopped) return;
    const id = `${process.pid}-${Date.now()}-${++this.seq}`;
    const chunk: Chunk = {
      id,
      table: t,
      rows: new Map(),
      changed: new Set(),
      lastKey: null,
      full: false,
      open: false,
    };
    this.chunk = chunk;
    const mark = (kind: string) =>
      client.query('SELECT pg_logical_emit_message(false, $1, $2)', [
        WATERMARK_PREFIX,
        JSON.stringify({ id, kind }),
      ]);
    await mark('low');
    const cols = t.pk.map(quoteIdent).join(', ');
    const where = lastKey ? `WHERE (${cols}) > (${t.pk.map((_, i) => `$${i + 1}`).join(', ')})` : '';
    const res = await client.query({
      text: `SELECT * FROM ${qualified(t)} ${where} ORDER BY ${cols} LIMIT ${this.o.chunkSize}`,
      values: lastKey ?? [],
      rowMode: 'array',
      types: RAW_TEXT,
    });
    for (const values of res.rows as Array<Array<string | null>>) {
      const after: Row = {};
      const raw: Record<string, string> = {};
      res.fields.forEach((f, i) => {
        const v = values[i];
        if (v === null || v === undefined) after[f.name] = null;
        else {
          raw[f.name] = v;
          after[f.name] = this.o.types.mapper(f.dataTypeID)(v);
        }
      });
      const key = Object.fromEntries(t.pk.map((c) => [c, after[c]]));
      const rawKey = t.pk.map((c) => raw[c] as string);
      chunk.rows.set(JSON.stringify(key), { key, after, raw: rawKey });
      chunk.lastKey = rawKey;
    }
    chunk.full = res.rows.length === this.o.chunkSize;
    await mark('high');
  }

  private async onWatermark(content: string, lsn: number): Promise<void> {
    let w: { id?: string; kind?: string };
    try {
      w = JSON.parse(content) as { id?: string; kind?: string };
    } catch {
      return;
    }
    const c = this.chunk;
    if (!c || w.id !== c.id) return;
    if (w.kind === 'low') {
      c.open = true;
      return;
    }
    if (w.kind !== 'high') return;
    c.open = false;
    this.chunk = null;
    const t = c.table;
    if (this.current && c.lastKey) this.current.lastKey = c.lastKey;
    for (const [keyJson, { key, after, raw }] of c.rows) {
      if (c.changed.has(keyJson)) continue;
      this.stats.rows++;
      await this.o.emitLoose(
        (offset) =>
          this.o.envelope.change(
            'r',
            key,
            null,
            after,
            {
              schema: t.schema,
              table: t.name,
              lsn,
              version: lsn,
              txId: null,
              tsMs: Date.now(),
              snapshot: 'incremental',
            },
            { ...offset, incremental: { table: t.id, lastKey: raw, pending: [...this.queue] } },
          ),
        lsn,
      );
    }
    this.stats.chunks++;
    if (!c.full) {
      this.stats.tables_done.push(t.id);
      this.current = null;
    }
    this.next();
  }
}
