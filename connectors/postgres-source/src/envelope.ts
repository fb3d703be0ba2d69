import type { SourceOffset, SourceRecord } from '@tributary/connect-sdk';

export const CONNECTOR_VERSION = '0.1.0';

export type Op = 'c' | 'u' | 'd' | 'r' | 't';
export type SnapshotFlag = 'true' | 'last' | 'false' | 'incremental';
export type Row = Record<string, unknown>;

/** Where one event came from: Debezium's `source` block. */
export interface EventSource {
  schema: string;
  table: string;
  /** Change LSN (streamed) or the snapshot's LSN (snapshot rows). */
  lsn: number;
  /**
   * What sinks version by (the `source.lsn` header): the commit LSN of the change's transaction, the snapshot's
   * LSN for snapshot rows, the high watermark for incremental rows. Not the change LSN: a transaction already
   * running when a snapshot was taken can have changes below the snapshot's LSN yet commit after it, and a sink
   * rejecting them as older would keep the stale snapshot row. Monotone per key in commit order; equal within a
   * transaction, so sinks accept equal versions (apply in order).
   */
  version: number;
  txId: number | null;
  /** Commit time (streamed) or read time (snapshot). */
  tsMs: number;
  snapshot: SnapshotFlag;
}

/** Builds the records of one topic prefix; every record carries the `source.lsn` header (see EventSource.version). */
export class Envelope {
  readonly partition: Readonly<{ server: string }>;
  /** Topic names by schema and table, so no record builds its topic string again. */
  private readonly topics = new Map<string, Map<string, string>>();
  /** Records of one version (a transaction, a snapshot) share one headers object; nothing mutates it. */
  private lastHeaders: { version: number; headers: Readonly<Record<string, string>> } | null = null;

  constructor(
    private readonly prefix: string,
    private readonly db: string,
  ) {
    this.partition = { server: prefix };
  }

  topicOf(schema: string, table: string): string {
    let bySchema = this.topics.get(schema);
    if (!bySchema) this.topics.set(schema, (bySchema = new Map()));
    let topic = bySchema.get(table);
    if (topic === undefined) bySchema.set(table, (topic = `${this.prefix}.${schema}.${table}`));
    return topic;
  }

  private headersOf(version: number): Record<string, string> {
    const last = this.lastHeaders;
    if (last?.version === version) return last.headers;
    const headers = Object.freeze({ 'source.lsn': String(version) });
    this.lastHeaders = { version, headers };
    return headers;
  }

  change(
    op: Op,
    key: Row | null,
    before: Row | null,
    after: Row | null,
    src: EventSource,
    offset: SourceOffset,
  ): SourceRecord {
    return {
      topic: this.topicOf(src.schema, src.table),
      key,
      value: { before, after, source: this.source(src), op, ts_ms: Date.now() },
      headers: this.headersOf(src.version),
      sourcePartition: this.partition,
      sourceOffset: offset,
    };
  }

  tombstone(key: Row | null, src: EventSource, offset: SourceOffset): SourceRecord {
    return {
      topic: this.topicOf(src.schema, src.table),
      key,
      value: null,
      headers: this.headersOf(src.version),
      sourcePartition: this.partition,
      sourceOffset: offset,
    };
  }

  heartbeat(lsn: number, tsMs: number, offset: SourceOffset): SourceRecord {
    return {
      topic: `${this.prefix}.heartbeat`,
      key: { server: this.prefix },
      value: { ts_ms: tsMs, lsn },
      headers: { 'source.lsn': String(lsn) },
      sourcePartition: this.partition,
      sourceOffset: offset,
    };
  }

  private source(src: EventSource): Record<string, unknown> {
    return {
      version: CONNECTOR_VERSION,
      connector: 'postgresql',
      name: this.prefix,
      db: this.db,
      schema: src.schema,
      table: src.table,
      lsn: src.lsn,
      txId: src.txId,
      ts_ms: src.tsMs,
      snapshot: src.snapshot,
    };
  }
}
