import type { SourceOffset, SourceRecord } from '@tributary/connect-sdk';
import { PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import type { PostgresSourceConfig } from './config';
import type { Envelope, EventSource, Row } from './envelope';
import { parseLsn } from './lsn';
import type { TypeCatalog } from './type-mapping';

/**
 * pgoutput with every column kept as its raw text. pg-logical-replication parses tuple text with pg's global
 * type parsers when it receives a message (timestamps become Dates and lose microseconds, int8 a lossy
 * number); it reads `columns[i].parser` from the cached Relation object for every tuple. Swapping the parser
 * here, synchronously at parse time, matters: with flow control the library parses whole chunks of messages
 * before our (async) handler sees the Relation message. The decoder maps the text with the TypeCatalog.
 */
export class RawTextPgoutputPlugin extends PgoutputPlugin {
  override parse(buffer: Buffer): Pgoutput.Message {
    const msg = super.parse(buffer);
    if (msg.tag === 'relation') for (const col of msg.columns) col.parser = rawText;
    return msg;
  }
}

const rawText = (text: string): string => text;

export const HEARTBEAT_PREFIX = 'tributary-heartbeat';
export const WATERMARK_PREFIX = 'tributary-watermark';

/** What the decoder knows about a relation it has seen a Relation message for. */
interface RelationState {
  id: string;
  schema: string;
  name: string;
  captured: boolean;
  pk: string[];
  full: boolean;
}

/** Incremental-snapshot taps into the stream (see incremental-snapshot.ts). */
export interface StreamHooks {
  /** Whether `onChange` wants the changes of this table now (a chunk window is open on it). */
  watching?(tableId: string): boolean;
  /** A change for `tableId` with this key JSON was streamed (drops that key from an open chunk window). */
  onChange?(tableId: string, keyJson: string): void;
  /** One of our watermark messages came through the stream at `lsn`. */
  onWatermark?(content: string, lsn: number): Promise<void>;
  /** A row was inserted into the signal table. */
  onSignal?(row: Row): void;
}

export interface ChangeDecoderOptions {
  config: PostgresSourceConfig;
  envelope: Envelope;
  types: TypeCatalog;
  /** Captured tables ("schema.table"); a publication may carry more (all_tables). */
  isCaptured(id: string): boolean;
  signalTable: string | null;
  /** Primary-key columns of a table OID (asked once per Relation message). */
  primaryKey(oid: number): Promise<string[]>;
  /** Called when a relation has a column type the catalog does not know (e.g. a new enum array). */
  refreshTypes(oids: number[]): Promise<void>;
  emit(r: SourceRecord): Promise<void>;
  /** The flush position (LSN + 1 of the last transaction end / heartbeat) stored offsets already cover. */
  startFlush: number;
  /** Records of a transaction the stored offset is in the middle of, up to this sequence, were delivered. */
  resume: { tx: number; seq: number } | null;
  hooks?: StreamHooks;
  /** Incremental-snapshot progress to keep in every offset (null when none runs). */
  progress?: () => Record<string, unknown> | null;
}

interface TxState {
  commitLsn: number;
  xid: number;
  tsMs: number;
  seq: number;
}

/**
 * Turns pgoutput messages into records. Ordering and acknowledgement: each transaction's last record is held
 * back until its COMMIT arrives, then sent with `txEnd: true` and `flush` = commit LSN + 1. Every record's
 * offset carries `flush`, the highest position whose transactions were completely emitted before it, so the
 * framework's `commit(acked)` can confirm exactly that to Postgres and never an LSN with un-acked events.
 */
export class ChangeDecoder {
  private readonly relations = new Map<number, RelationState>();
  private tx: TxState | null = null;
  private held: SourceRecord | null = null;
  private flush: number;
  readonly counters = { events: 0, transactions: 0, lastLsn: 0 };

  constructor(private readonly o: ChangeDecoderOptions) {
    this.flush = o.startFlush;
  }

  async handle(lsnText: string, msg: Pgoutput.Message): Promise<void> {
    const lsn = parseLsn(lsnText);
    this.counters.lastLsn = Math.max(this.counters.lastLsn, lsn);
    switch (msg.tag) {
      case 'relation':
        return this.onRelation(msg);
      case 'begin':
        this.tx = {
          commitLsn: parseLsn(msg.commitLsn),
          xid: msg.xid,
          tsMs: Number(BigInt(msg.commitTime as bigint) / 1000n),
          seq: 0,
        };
        return;
      case 'insert':
        return this.onInsert(msg, lsn);
      case 'update':
        return this.onUpdate(msg, lsn);
      case 'delete':
        return this.onDelete(msg, lsn);
      case 'truncate':
        return this.onTruncate(msg, lsn);
      case 'message':
        return this.onMessage(msg);
      case 'commit':
        return this.onCommit(msg);
      default:
        return;
    }
  }

  private async onRelation(msg: Pgoutput.MessageRelation): Promise<void> {
    const id = `${msg.schema}.${msg.name}`;
    const captured = this.o.isCaptured(id) || id === this.o.signalTable;
    const unknown = msg.columns
      .map((c) => c.typeOid)
      .filter((oid) => oid >= 16384 && !this.o.types.isKnownArray(oid));
    if (captured && unknown.length > 0) await this.o.refreshTypes(unknown);
    const pk = captured ? await this.o.primaryKey(msg.relationOid) : [];
    this.relations.set(msg.relationOid, {
      id,
      schema: msg.schema,
      name: msg.name,
      captured,
      pk,
      full: msg.replicaIdentity === 'full',
    });
  }

  private rel(relation: Pgoutput.MessageRelation): RelationState | null {
    const r = this.relations.get(relation.relationOid);
    return r && r.captured ? r : null;
  }

  /**
   * A tuple (raw text values, see RawTextPgoutputPlugin) as a mapped row: SQL NULL stays null; an unchanged
   * TOAST value (undefined) follows `toast`, or is skipped when `toast` is false (key-only tuples).
   */
  private row(relation: Pgoutput.MessageRelation, tuple: Record<string, unknown>, toast: boolean): Row {
    const out: Row = {};
    for (const c of relation.columns) {
      const v = tuple[c.name];
      if (v === null) out[c.name] = null;
      else if (v !== undefined) out[c.name] = this.o.types.mapper(c.typeOid)(v as string);
      else if (!toast) continue;
      else if (this.o.config.toast === 'placeholder') out[c.name] = this.o.config['toast.placeholder'];
      // toast: omit leaves the field out, so an upsert keeps the stored value.
    }
    return out;
  }

  /** Tells an open incremental-snapshot window about a streamed key (only then is the key serialised). */
  private changed(tableId: string, key: Row | null): void {
    const h = this.o.hooks;
    if (h?.onChange && h.watching?.(tableId)) h.onChange(tableId, JSON.stringify(key));
  }

  private keyOf(r: RelationState, row: Record<string, unknown>): Row | null {
    if (r.pk.length === 0) return null;
    return Object.fromEntries(r.pk.map((c) => [c, row[c] ?? null]));
  }

  private source(r: RelationState, lsn: number): EventSource {
    return {
      schema: r.schema,
      table: r.name,
      lsn,
      version: this.tx?.commitLsn ?? lsn,
      txId: this.tx?.xid ?? null,
      tsMs: this.tx?.tsMs ?? Date.now(),
      snapshot: 'false',
    };
  }

  private offset(lsn: number): SourceOffset {
    const tx = this.tx;
    const p = this.o.progress?.();
    const extra = p ? { incremental: p } : {};
    if (!tx) return { lsn, flush: this.flush, ...extra };
    return { lsn, flush: this.flush, tx: tx.commitLsn, seq: tx.seq, ...extra };
  }

  /** Queues the previously held record and holds this one (it may be the transaction's last). */
  private async push(make: (offset: SourceOffset) => SourceRecord, lsn: number): Promise<void> {
    const tx = this.tx;
    if (tx) tx.seq++;
    const resume = this.o.resume;
    // Replaying the transaction the stored offset stopped inside: its first records were delivered already.
    if (tx && resume && tx.commitLsn === resume.tx && tx.seq <= resume.seq) return;
    const rec = make(this.offset(lsn));
    this.counters.events++;
    if (this.held) await this.o.emit(this.held);
    this.held = rec;
  }

  private async onInsert(msg: Pgoutput.MessageInsert, lsn: number): Promise<void> {
    const r = this.rel(msg.relation);
    if (!r) return;
    const after = this.row(msg.relation, msg.new, true);
    if (r.id === this.o.signalTable) this.o.hooks?.onSignal?.(after);
    if (!this.o.isCaptured(r.id)) return;
    const key = this.keyOf(r, after);
    this.changed(r.id, key);
    await this.push((off) => this.o.envelope.change('c', key, null, after, this.source(r, lsn), off), lsn);
  }

  private async onUpdate(msg: Pgoutput.MessageUpdate, lsn: number): Promise<void> {
    const r = this.rel(msg.relation);
    if (!r || !this.o.isCaptured(r.id)) return;
    const after = this.row(msg.relation, msg.new, true);
    const newKey = this.keyOf(r, after);
    // Old tuple: the whole row under REPLICA IDENTITY FULL ('O'), the old key when the key changed ('K').
    const oldTuple = msg.old ?? msg.key;
    const oldKey = oldTuple ? this.keyOf(r, this.row(msg.relation, oldTuple, false)) : newKey;
    const before = msg.old ? this.row(msg.relation, msg.old, true) : oldKey;
    this.changed(r.id, newKey);
    if (r.pk.length > 0 && JSON.stringify(oldKey) !== JSON.stringify(newKey)) {
      // A primary-key change is a delete of the old key and a create of the new one, so compaction and
      // key-based sinks drop the old row.
      this.changed(r.id, oldKey);
      await this.push(
        (off) => this.o.envelope.change('d', oldKey, before, null, this.source(r, lsn), off),
        lsn,
      );
      if (this.o.config['tombstones.on.delete']) {
        await this.push((off) => this.o.envelope.tombstone(oldKey, this.source(r, lsn), off), lsn);
      }
      await this.push(
        (off) => this.o.envelope.change('c', newKey, null, after, this.source(r, lsn), off),
        lsn,
      );
      return;
    }
    await this.push(
      (off) => this.o.envelope.change('u', newKey, before, after, this.source(r, lsn), off),
      lsn,
    );
  }

  private async onDelete(msg: Pgoutput.MessageDelete, lsn: number): Promise<void> {
    const r = this.rel(msg.relation);
    if (!r || !this.o.isCaptured(r.id)) return;
    const oldTuple = (msg.old ?? msg.key ?? {}) as Record<string, unknown>;
    const key = this.keyOf(r, this.row(msg.relation, oldTuple, false));
    const before = msg.old ? this.row(msg.relation, msg.old, true) : key;
    this.changed(r.id, key);
    await this.push((off) => this.o.envelope.change('d', key, before, null, this.source(r, lsn), off), lsn);
    if (this.o.config['tombstones.on.delete'] && key !== null) {
      await this.push((off) => this.o.envelope.tombstone(key, this.source(r, lsn), off), lsn);
    }
  }

  private async onTruncate(msg: Pgoutput.MessageTruncate, lsn: number): Promise<void> {
    if (!this.o.config['truncate.events']) return;
    for (const relation of msg.relations) {
      const r = relation ? this.rel(relation) : null;
      if (!r || !this.o.isCaptured(r.id)) continue;
      await this.push((off) => this.o.envelope.change('t', null, null, null, this.source(r, lsn), off), lsn);
    }
  }

  private async onMessage(msg: Pgoutput.MessageMessage): Promise<void> {
    const lsn = parseLsn(msg.messageLsn);
    const content = Buffer.from(msg.content).toString('utf8');
    if (msg.prefix === WATERMARK_PREFIX) {
      await this.o.hooks?.onWatermark?.(content, lsn);
      return;
    }
    if (msg.prefix !== HEARTBEAT_PREFIX || msg.transactional) return;
    // A non-transactional message is decoded at its own WAL position, between transactions: every transaction
    // committed before it was emitted already, so it is a safe point to confirm once stored.
    this.flush = Math.max(this.flush, lsn + 1);
    const ts = Number(content);
    await this.o.emit(
      this.o.envelope.heartbeat(lsn, Number.isFinite(ts) ? ts : Date.now(), this.offset(lsn)),
    );
  }

  private async onCommit(msg: Pgoutput.MessageCommit): Promise<void> {
    const commitLsn = parseLsn(msg.commitLsn);
    this.flush = Math.max(this.flush, commitLsn + 1);
    const held = this.held;
    this.held = null;
    this.tx = null;
    this.counters.transactions++;
    if (held)
      await this.o.emit({ ...held, sourceOffset: { ...held.sourceOffset, flush: this.flush, txEnd: true } });
  }

  /** Emits a record outside any transaction (incremental-snapshot rows at a high watermark). */
  async emitLoose(make: (offset: SourceOffset) => SourceRecord, lsn: number): Promise<void> {
    this.counters.events++;
    await this.o.emit(make(this.offset(lsn)));
  }
}
