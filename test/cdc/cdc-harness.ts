import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Client } from 'pg';
import { stringify } from 'yaml';
import {
  Rng,
  makeTempDir,
  readPartitions,
  removeDir,
  sleep,
  startBroker,
  startConnectWorkerProcess,
  startPostgres,
  type BrokerHandle,
  type ConnectWorkerHandle,
  type PostgresHandle,
} from '@tributary/testing';
import { waitFor } from '../connect/connect-http';
import {
  DELETED,
  canonicalKey,
  canonicalRow,
  checkHistory,
  compareState,
  dbState,
  parseLsn,
  reduceTopic,
  rowJsonSql,
  snapshotLsn,
  type CdcEvent,
  type CheckOptions,
  type Envelope,
  type History,
  type HistoryEntry,
  type HistoryCheck,
  type StateDiff,
  type TableSpec,
} from './cdc-check';

/**
 * End-to-end CDC harness: a private Postgres, a broker and the connect worker as a real process running one
 * postgres-source pipeline; a seeded workload of concurrent writers that records what it committed; readers of
 * the CDC topics; and the driver that runs the pure checks of cdc-check.ts against topics and tables.
 */

export const CONNECTOR = 'cdc';
export const LONG = process.env.LONG === '1';
/** The connector's default `toast.placeholder`. */
export const TOAST_PLACEHOLDER = '__tributary_unavailable_value';

// ---------------------------------------------------------------------------------------------------------------
// Tables

/** bigint keys above 2^53 (a JSON number would round them), numeric, jsonb, micro-second timestamps. */
export const ACCOUNTS: TableSpec = {
  name: 'accounts',
  columns: [
    { name: 'id', type: 'bigint', ddl: 'bigint' },
    { name: 'owner', type: 'text', ddl: 'text not null' },
    { name: 'balance', type: 'numeric', ddl: 'numeric(18,4) not null' },
    { name: 'opened_at', type: 'timestamptz', ddl: 'timestamptz not null' },
    { name: 'active', type: 'bool', ddl: 'boolean not null' },
    { name: 'meta', type: 'jsonb', ddl: 'jsonb' },
    { name: 'rev', type: 'bigint', ddl: 'bigint not null' },
  ],
  pk: ['id'],
};

/** A composite key (text, int) and free text with quotes, backslashes, newlines and non-ASCII. */
export const ORDERS: TableSpec = {
  name: 'orders',
  columns: [
    { name: 'region', type: 'text', ddl: 'text' },
    { name: 'order_no', type: 'int', ddl: 'integer' },
    { name: 'qty', type: 'int', ddl: 'integer not null' },
    { name: 'price', type: 'numeric', ddl: 'numeric(12,2)' },
    { name: 'note', type: 'text', ddl: 'text' },
    { name: 'placed_at', type: 'timestamptz', ddl: 'timestamptz' },
    { name: 'rev', type: 'bigint', ddl: 'bigint not null' },
  ],
  pk: ['region', 'order_no'],
};

/** Primary-key changes, and a large incompressible `body` (TOASTed out of line) that updates often leave alone. */
export const ITEMS: TableSpec = {
  name: 'items',
  columns: [
    { name: 'id', type: 'int', ddl: 'integer' },
    { name: 'label', type: 'text', ddl: 'text not null' },
    { name: 'body', type: 'text', ddl: 'text' },
    { name: 'rev', type: 'bigint', ddl: 'bigint not null' },
  ],
  pk: ['id'],
};

/** The big table: preloaded for the snapshot, target of the large transactions. */
export const BULK: TableSpec = {
  name: 'bulk',
  columns: [
    { name: 'id', type: 'int', ddl: 'integer' },
    { name: 'v', type: 'text', ddl: 'text not null' },
    { name: 'n', type: 'bigint', ddl: 'bigint not null' },
    { name: 'rev', type: 'bigint', ddl: 'bigint not null' },
  ],
  pk: ['id'],
};

export const CRASH_TABLES: readonly TableSpec[] = [ACCOUNTS, ORDERS, ITEMS, BULK];

export function createTableSql(t: TableSpec): string {
  const cols = t.columns.map((c) => `${c.name} ${c.ddl}`).join(', ');
  return `CREATE TABLE public.${t.name} (${cols}, PRIMARY KEY (${t.pk.join(', ')}))`;
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

export interface CdcEnvOptions {
  /** Topic prefix; topics are `<prefix>.public.<table>`. */
  prefix?: string;
  /** Extra or overriding postgres-source config keys. */
  connector?: Record<string, unknown>;
  /** Broker settings; default 3 partitions per auto-created topic, so per-key routing matters. */
  broker?: Record<string, unknown>;
  postgres?: Record<string, string | number>;
  /** Extra environment of the worker process (e.g. NODE_OPTIONS). */
  workerEnv?: NodeJS.ProcessEnv;
}

export interface CdcStatus {
  state: string;
  taskState: string | null;
  trace: string | null;
  details: Record<string, unknown>;
}

export interface SlotRow {
  active: boolean;
  confirmed_flush_lsn: string | null;
  restart_lsn: string | null;
  wal_status: string | null;
}

export interface CdcEnv {
  readonly pg: PostgresHandle;
  readonly broker: BrokerHandle;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly dir: string;
  readonly prefix: string;
  readonly slot: string;
  readonly publication: string;
  readonly pipelinePath: string;
  /** The running worker; throws before startWorker. */
  worker(): ConnectWorkerHandle;
  startWorker(): Promise<ConnectWorkerHandle>;
  topic(table: string): string;
  /** The cached incremental reader of a table's topic. */
  tail(table: TableSpec): TopicTail;
  status(): Promise<CdcStatus>;
  slotRow(): Promise<SlotRow | null>;
  dispose(): Promise<void>;
}

/**
 * Starts Postgres and a broker and writes the pipeline file; the worker starts with `startWorker`, once the test
 * created and loaded its tables (so the initial snapshot sees them).
 */
export async function startCdcEnv(opts: CdcEnvOptions = {}): Promise<CdcEnv> {
  const dir = makeTempDir('tributary-cdc-');
  const cleanups: (() => Promise<void>)[] = [async () => removeDir(dir)];
  const undo = async (): Promise<void> => {
    // Newest first (the worker before the broker it talks to); each runs once.
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const pg = await startPostgres({ settings: { max_wal_size: '1GB', ...opts.postgres } });
    cleanups.push(() => pg.dispose());
    const broker = await startBroker({ config: { 'num.partitions': 3, ...opts.broker } });
    cleanups.push(() => broker.dispose());
    const kafka = new Kafka({ clientId: 'cdc-e2e', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const prefix = opts.prefix ?? 'pg';
    const slot = 'tributary_e2e';
    const publication = 'tributary_e2e_pub';
    const pipelinePath = join(dir, 'cdc.yaml');
    writeFileSync(
      pipelinePath,
      stringify({
        connectors: [
          {
            name: CONNECTOR,
            type: 'postgres-source',
            restart: { 'initial.delay': '200ms', 'max.delay': '2s' },
            config: {
              connection: pg.url,
              tables: ['public.*'],
              'topic.prefix': prefix,
              'slot.name': slot,
              'publication.name': publication,
              'snapshot.mode': 'initial',
              'heartbeat.interval': '1s',
              ...opts.connector,
            },
          },
        ],
      }),
    );
    let worker: ConnectWorkerHandle | null = null;
    const tails = new Map<string, TopicTail>();
    const env: CdcEnv = {
      pg,
      broker,
      kafka,
      admin,
      dir,
      prefix,
      slot,
      publication,
      pipelinePath,
      worker() {
        if (!worker) throw new Error('the connect worker is not started');
        return worker;
      },
      async startWorker() {
        worker = await startConnectWorkerProcess({
          bootstrap: broker.bootstrap,
          pipelines: [pipelinePath],
          env: opts.workerEnv,
        });
        const w = worker;
        cleanups.push(() => w.dispose());
        return w;
      },
      topic: (table) => `${prefix}.public.${table}`,
      tail(table) {
        let t = tails.get(table.name);
        if (!t) tails.set(table.name, (t = new TopicTail(kafka, admin, env.topic(table.name))));
        return t;
      },
      async status() {
        const res = await fetch(`${env.worker().url}/connectors/${CONNECTOR}/status`);
        if (res.status !== 200) throw new Error(`status: HTTP ${res.status} ${await res.text()}`);
        const body = (await res.json()) as {
          connector: { state: string; trace?: string };
          tasks: { state: string; trace?: string; details?: Record<string, unknown> }[];
        };
        const task = body.tasks[0];
        return {
          state: body.connector.state,
          taskState: task?.state ?? null,
          trace: task?.trace ?? body.connector.trace ?? null,
          details: task?.details ?? {},
        };
      },
      async slotRow() {
        const r = await pg.query<SlotRow>(
          'SELECT active, confirmed_flush_lsn::text, restart_lsn::text, wal_status FROM pg_replication_slots WHERE slot_name = $1',
          [slot],
        );
        return r.rows[0] ?? null;
      },
      dispose: undo,
    };
    return env;
  } catch (e) {
    await undo();
    throw e;
  }
}

/** The task's `details.phase` (snapshot | streaming | idle), or null when the worker does not answer. */
export async function phaseOf(env: CdcEnv): Promise<string | null> {
  try {
    const s = await env.status();
    return typeof s.details['phase'] === 'string' ? s.details['phase'] : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS on an interval; `max` over the samples since the last reset. */
export class RssSampler {
  max = 0;
  samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly proc: { rssBytes(): number | null },
    intervalMs = 200,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const v = this.proc.rssBytes();
    if (v === null) return;
    this.samples++;
    if (v > this.max) this.max = v;
  }

  reset(): void {
    this.max = 0;
    this.samples = 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

// ---------------------------------------------------------------------------------------------------------------
// Reading topics

/** Records per partition and in total (high watermark minus log start); 0 for a topic that does not exist yet. */
export async function topicCount(admin: Admin, topic: string): Promise<number> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return 0;
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
}

function parseJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

/**
 * Reads a topic incrementally: each `refresh` fetches what arrived since the last one, on every partition.
 * `keep: false` only hands the events to `onEvent` (for topics too big to hold in memory).
 */
export class TopicTail {
  readonly events: CdcEvent[] = [];
  private readonly next = new Map<number, number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    readonly topic: string,
    private readonly keep = true,
  ) {}

  async refresh(onEvent?: (e: CdcEvent) => void): Promise<CdcEvent[]> {
    const topics = await this.admin.listTopics();
    if (!topics.includes(this.topic)) return this.events;
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    for (const o of offsets) {
      const p = o.partition;
      const high = Number(o.high);
      let from = Math.max(this.next.get(p) ?? 0, Number(o.low));
      while (from < high) {
        const msgs = await readPartitions(this.kafka, this.topic, [p], { fromOffset: from, maxRounds: 50 });
        if (msgs.length === 0) break;
        for (const m of msgs) {
          const e: CdcEvent = {
            partition: p,
            offset: m.offset,
            key: parseJson(m.key),
            value: parseJson(m.value) as Envelope | null,
          };
          onEvent?.(e);
          if (this.keep) this.events.push(e);
        }
        from = msgs[msgs.length - 1]!.offset + 1;
      }
      this.next.set(p, from);
    }
    return this.events;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checking

export interface TableReport {
  table: string;
  events: number;
  rows: number;
  diff: StateDiff;
  anomalies: string[];
  history: HistoryCheck | null;
}

/** The table as canonical key -> canonical row, read with the same text forms the envelope promises. */
export async function readTable(pg: PostgresHandle, table: TableSpec): Promise<Map<string, string>> {
  const r = await pg.query<{ j: string }>(`SELECT ${rowJsonSql(table)} AS j FROM public.${table.name}`);
  return dbState(
    table,
    r.rows.map((x) => x.j),
  );
}

/**
 * Reads every table's topic from the beginning (incrementally across calls), reduces it, compares it with the
 * table and, when a history is given, checks that no committed change is missing.
 */
export async function checkTables(
  env: CdcEnv,
  tables: readonly TableSpec[],
  history?: History,
  opts: CheckOptions = { placeholder: TOAST_PLACEHOLDER },
): Promise<TableReport[]> {
  const all = new Map<string, CdcEvent[]>();
  for (const t of tables) all.set(t.name, await env.tail(t).refresh());
  const snapAt = snapshotLsn(all.values());
  const out: TableReport[] = [];
  for (const t of tables) {
    const events = all.get(t.name)!;
    const reduced = reduceTopic(t, events, opts);
    const db = await readTable(env.pg, t);
    out.push({
      table: t.name,
      events: events.length,
      rows: db.size,
      diff: compareState(reduced.state, db),
      anomalies: reduced.anomalies,
      history: history ? checkHistory(t, events, history.get(t.name) ?? new Map(), snapAt, opts) : null,
    });
  }
  return out;
}

export function isClean(reports: readonly TableReport[]): boolean {
  return reports.every(
    (r) =>
      r.diff.missing.length === 0 &&
      r.diff.extra.length === 0 &&
      r.diff.different.length === 0 &&
      r.anomalies.length === 0 &&
      (r.history === null ||
        (r.history.missing.length === 0 &&
          r.history.phantom.length === 0 &&
          r.history.regressed.length === 0)),
  );
}

/** Counts and the first few examples of each problem, for assertions whose failure message says what went wrong. */
export function summarize(reports: readonly TableReport[]): Record<string, unknown>[] {
  const ex = <T>(xs: readonly T[]): T[] => xs.slice(0, 3);
  return reports.map((r) => ({
    table: r.table,
    missing: r.diff.missing.length,
    extra: r.diff.extra.length,
    different: r.diff.different.length,
    anomalies: r.anomalies.length,
    historyMissing: r.history?.missing.length ?? 0,
    phantom: r.history?.phantom.length ?? 0,
    regressed: r.history?.regressed.length ?? 0,
    examples: {
      ...(r.diff.missing.length ? { missing: ex(r.diff.missing) } : {}),
      ...(r.diff.extra.length ? { extra: ex(r.diff.extra) } : {}),
      ...(r.diff.different.length ? { different: ex(r.diff.different) } : {}),
      ...(r.anomalies.length ? { anomalies: ex(r.anomalies) } : {}),
      ...(r.history?.missing.length ? { historyMissing: ex(r.history.missing) } : {}),
      ...(r.history?.phantom.length ? { phantom: ex(r.history.phantom) } : {}),
      ...(r.history?.regressed.length ? { regressed: ex(r.history.regressed) } : {}),
    },
  }));
}

/**
 * Evidence that the history check bites on this run's real topics: removes every copy of one streamed update
 * that is neither its key's first nor last change (so the reduced state is unaffected) and returns what
 * `checkHistory` then reports missing. The caller expects exactly that change.
 */
export function dropOneStreamedChange(
  env: CdcEnv,
  table: TableSpec,
  history: History,
  opts: CheckOptions = { placeholder: TOAST_PLACEHOLDER },
): { dropped: string; missing: string[] } | null {
  const events = env.tail(table).events;
  const snapAt = snapshotLsn(CRASH_TABLES.map((t) => env.tail(t).events));
  const perKey: Map<string, HistoryEntry[]> = history.get(table.name) ?? new Map();
  for (const e of events) {
    if (e.value?.op !== 'u' || e.value.after === null) continue;
    const key = canonicalKey(table, e.key as Record<string, unknown>);
    const image = canonicalRow(table, e.value.after);
    const entries = perKey.get(key) ?? [];
    const j = entries.findIndex((h) => h.image === image);
    if (j <= 0 || j >= entries.length - 1 || entries[j]!.lsnBefore < snapAt) continue;
    const kept = events.filter(
      (x) =>
        !(
          x.value?.op === 'u' &&
          x.value.after !== null &&
          canonicalKey(table, x.key as Record<string, unknown>) === key &&
          canonicalRow(table, x.value.after) === image
        ),
    );
    const r = checkHistory(table, kept, perKey, snapAt, opts);
    return { dropped: image, missing: r.missing.map((m) => m.image) };
  }
  return null;
}

/** Polls `checkTables` until it is clean or the deadline passes; returns the last reports either way. */
export async function waitForConsistency(
  env: CdcEnv,
  tables: readonly TableSpec[],
  history: History | undefined,
  timeoutMs: number,
): Promise<TableReport[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reports = await checkTables(env, tables, history);
    if (isClean(reports) || Date.now() > deadline) return reports;
    await sleep(2000);
  }
}

/** Waits until the slot confirmed at least `lsn` (the connector's heartbeats move it along when idle). */
export function waitForConfirmed(env: CdcEnv, lsn: string, timeoutMs: number): Promise<SlotRow | null> {
  const target = parseLsn(lsn)!;
  return waitFor(
    `slot ${env.slot} to confirm ${lsn}`,
    () => env.slotRow(),
    (s) => s !== null && (parseLsn(s.confirmed_flush_lsn) ?? 0n) >= target,
    timeoutMs,
    250,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Workload

/** A set with O(1) add, delete and uniform random pick. */
class KeySet<T> {
  private readonly items: [string, T][] = [];
  private readonly pos = new Map<string, number>();

  get size(): number {
    return this.items.length;
  }

  add(key: string, v: T): void {
    const i = this.pos.get(key);
    if (i !== undefined) this.items[i] = [key, v];
    else {
      this.pos.set(key, this.items.length);
      this.items.push([key, v]);
    }
  }

  delete(key: string): void {
    const i = this.pos.get(key);
    if (i === undefined) return;
    const last = this.items.pop()!;
    this.pos.delete(key);
    if (i < this.items.length) {
      this.items[i] = last;
      this.pos.set(last[0], i);
    }
  }

  pick(rng: Rng): [string, T] | null {
    return this.items.length === 0 ? null : this.items[rng.int(0, this.items.length - 1)]!;
  }
}

interface Change {
  table: TableSpec;
  key: string;
  image: string;
  pk: Record<string, unknown>;
}

const ACCOUNT_BASE = 9_007_199_254_740_993n; // 2^53 + 1: not representable as a double
const ITEM_BASE = 1_000_000;
const FRAGMENTS = [
  'alpha',
  'Zürich',
  '東京',
  '🚀',
  "O'Brien",
  'say "hi"',
  'back\\slash',
  'line\nbreak',
  'tab\t',
  ' ',
];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function text(rng: Rng, parts: number): string {
  return Array.from({ length: parts }, () => rng.pick(FRAGMENTS)).join(' ');
}

/** Random base64-ish text: incompressible, so past ~2 kB Postgres stores it out of line (TOAST). */
function blob(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += B64[rng.int(0, 63)];
  return s;
}

function money(rng: Rng, intDigits: number, scale: number): string {
  const sign = rng.chance(0.2) ? '-' : '';
  const int = String(rng.int(0, 10 ** intDigits - 1));
  return scale === 0
    ? `${sign}${int}`
    : `${sign}${int}.${String(rng.int(0, 10 ** scale - 1)).padStart(scale, '0')}`;
}

/** A timestamptz literal with microseconds and a non-UTC offset sometimes. */
function timestamp(rng: Rng): string {
  const ms = Date.UTC(2020, 0, 1) + rng.int(0, 5 * 365 * 86400) * 1000;
  const micros = String(rng.int(0, 999_999)).padStart(6, '0');
  const zone = rng.pick(['+00', '+05:30', '-08']);
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}.${micros}${zone}`;
}

function meta(rng: Rng): string | null {
  if (rng.chance(0.2)) return null;
  return JSON.stringify({
    tier: rng.pick(['gold', 'silver', 'bronze']),
    tags: Array.from({ length: rng.int(0, 3) }, () => rng.pick(FRAGMENTS)),
    score: rng.int(-1000, 1000) / 8,
    nested: { ok: rng.chance(0.5), note: rng.chance(0.5) ? null : text(rng, 2) },
  });
}

/** One open transaction: runs statements with `RETURNING <row json>` and collects the changes they made. */
class Tx {
  readonly changes: Change[] = [];

  constructor(private readonly c: Client) {}

  async exec(
    table: TableSpec,
    sql: string,
    params: unknown[],
    kind: 'write' | 'delete',
  ): Promise<Record<string, unknown>[]> {
    const r = await this.c.query<{ j: string }>(`${sql} RETURNING ${rowJsonSql(table)} AS j`, params);
    const rows = r.rows.map((x) => JSON.parse(x.j) as Record<string, unknown>);
    for (const row of rows) {
      this.changes.push({
        table,
        key: canonicalKey(table, row),
        image: kind === 'delete' ? DELETED : canonicalRow(table, row),
        pk: Object.fromEntries(table.pk.map((k) => [k, row[k]])),
      });
    }
    return rows;
  }

  deleted(table: TableSpec, key: string, pk: Record<string, unknown>): void {
    this.changes.push({ table, key, image: DELETED, pk });
  }
}

export interface WorkloadOptions {
  url: string;
  seed: number;
  writers: number;
  /** Pause between a writer's transactions, ms. */
  thinkMs?: [number, number];
  /** Rows touched by a large transaction. */
  largeTxnRows?: [number, number];
  /** Probability that a transaction is a large one. */
  largeTxnChance?: number;
}

export interface WorkloadStats {
  committed: number;
  changes: number;
  rolledBack: number;
  aborted: number;
  /** COMMIT failed in flight; resolved afterwards with txid_status. */
  uncertainCommitted: number;
  uncertainAborted: number;
  largeTxns: number;
  pkChanges: number;
  /** Connection errors while Postgres restarted (expected). */
  connectionErrors: number;
}

const CONNECTION_ERROR =
  /ECONNREFUSED|ECONNRESET|EPIPE|terminat|shutting down|starting up|recovery|not yet accepting|Connection|57P0[123]|server closed/i;

/**
 * Concurrent writers over accounts/orders/items/bulk. Each writer owns a disjoint set of keys (so the per-key
 * order of its commits is the real commit order), runs small mixed transactions, primary-key changes, rolled-back
 * transactions and large ones, and records every committed change (the row image from RETURNING) in `history`.
 * A connection lost around COMMIT is resolved with txid_status once Postgres is back.
 */
export class Workload {
  readonly history: History = new Map();
  readonly stats: WorkloadStats = {
    committed: 0,
    changes: 0,
    rolledBack: 0,
    aborted: 0,
    uncertainCommitted: 0,
    uncertainAborted: 0,
    largeTxns: 0,
    pkChanges: 0,
    connectionErrors: 0,
  };
  /** Errors that are not a lost connection: the test fails on any. */
  readonly unexpectedErrors: string[] = [];
  private readonly models: Map<string, KeySet<Record<string, unknown>>>[] = [];
  private readonly seqs: number[] = [];
  private stopping = false;
  private running: Promise<void>[] = [];
  private rev = 0;
  /** Ids of `largeInsert` rows: far above the writers' ranges. */
  private bigIds = 1_500_000_000;
  private readonly rng: Rng;

  constructor(private readonly opts: WorkloadOptions) {
    this.rng = new Rng(opts.seed);
    for (let w = 0; w < opts.writers; w++) {
      this.models.push(new Map(CRASH_TABLES.map((t) => [t.name, new KeySet<Record<string, unknown>>()])));
      this.seqs.push(0);
    }
  }

  /** Creates the tables. */
  async createSchema(): Promise<void> {
    const c = await this.connect();
    try {
      for (const t of CRASH_TABLES) await c.query(createTableSql(t));
    } finally {
      await c.end();
    }
  }

  /** Loads `bulkRows` rows into bulk (ids 1..n) and `small` rows per writer into the other tables, recorded. */
  async preload(bulkRows: number, small: number): Promise<void> {
    const rng = this.rng.fork('preload');
    const c = await this.connect();
    try {
      await this.txnOn(c, async (tx) => {
        await tx.exec(
          BULK,
          `INSERT INTO bulk (id, v, n, rev) SELECT g, 'row ' || g, g, 0 FROM generate_series(1, $1::int) g`,
          [bulkRows],
          'write',
        );
      });
      for (let w = 0; w < this.opts.writers; w++) {
        await this.txnOn(c, async (tx) => {
          for (let i = 0; i < small; i++) {
            await this.insert(tx, rng, w, ACCOUNTS);
            await this.insert(tx, rng, w, ORDERS);
            await this.insert(tx, rng, w, ITEMS);
          }
        });
      }
    } finally {
      await c.end();
    }
  }

  /**
   * One transaction inserting `rows` fresh bulk rows, on its own connection while the writers run (its keys are
   * new, so no writer touches them before it committed); recorded like the writers' transactions.
   */
  async largeInsert(rows: number): Promise<void> {
    const c = await this.reconnect();
    const first = this.bigIds;
    this.bigIds += rows;
    try {
      await this.txnOn(c, async (tx) => {
        await tx.exec(
          BULK,
          `INSERT INTO bulk (id, v, n, rev)
             SELECT $1::int + s, 'huge ' || s, s, $3 FROM generate_series(0, $2::int - 1) s`,
          [first, rows, this.bumpRev()],
          'write',
        );
      });
      this.stats.largeTxns++;
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  start(): void {
    this.stopping = false;
    this.running = Array.from({ length: this.opts.writers }, (_, w) => this.writer(w));
  }

  /** Lets every writer finish its transaction and returns once all stopped: the workload is quiescent. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
    this.running = [];
  }

  private async connect(): Promise<Client> {
    const c = new Client({ connectionString: this.opts.url });
    // An idle client whose server went away emits 'error'; the next query on it fails and is handled there.
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  /** Connects, retrying while Postgres restarts (up to a minute). */
  private async reconnect(): Promise<Client> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        return await this.connect();
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(200);
      }
    }
  }

  private noteError(e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    if (CONNECTION_ERROR.test(msg)) this.stats.connectionErrors++;
    else this.unexpectedErrors.push(msg);
  }

  private owner(table: TableSpec, pk: Record<string, unknown>): number {
    const W = this.opts.writers;
    switch (table.name) {
      case 'accounts':
        return Number((BigInt(pk['id'] as string) - ACCOUNT_BASE) % BigInt(W));
      case 'orders':
        return Number(String(pk['region']).slice(1));
      default:
        return (pk['id'] as number) % W;
    }
  }

  private commit(changes: readonly Change[], xid: string, lsnBefore: bigint): void {
    this.stats.committed++;
    this.stats.changes += changes.length;
    for (const ch of changes) {
      let perTable = this.history.get(ch.table.name);
      if (!perTable) this.history.set(ch.table.name, (perTable = new Map()));
      let entries = perTable.get(ch.key);
      if (!entries) perTable.set(ch.key, (entries = []));
      entries.push({ image: ch.image, xid, lsnBefore });
      const model = this.models[this.owner(ch.table, ch.pk)]!.get(ch.table.name)!;
      if (ch.image === DELETED) model.delete(ch.key);
      else model.add(ch.key, ch.pk);
    }
  }

  /**
   * Runs one transaction on `c`: BEGIN, txid, the body, the LSN just before COMMIT, COMMIT; records it when
   * committed. Throws (after classifying the outcome) when the connection fails; the caller reconnects.
   */
  private async txnOn(c: Client, body: (tx: Tx) => Promise<void>, rollback = false): Promise<void> {
    const tx = new Tx(c);
    let xid = '';
    let lsnBefore = 0n;
    let committing = false;
    try {
      await c.query('BEGIN');
      xid = (await c.query<{ x: string }>('SELECT txid_current()::text AS x')).rows[0]!.x;
      await body(tx);
      if (rollback) {
        await c.query('ROLLBACK');
        this.stats.rolledBack++;
        return;
      }
      const l = (await c.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
      lsnBefore = parseLsn(l)!;
      committing = true;
      await c.query('COMMIT');
    } catch (e) {
      this.noteError(e);
      if (!committing) {
        this.stats.aborted++;
        throw e;
      }
      // The COMMIT was sent but its answer lost: ask the restarted server what became of the transaction.
      const again = await this.reconnect();
      try {
        const s = (await again.query<{ s: string | null }>('SELECT txid_status($1::bigint) AS s', [xid]))
          .rows[0]!.s;
        if (s === 'committed') {
          this.stats.uncertainCommitted++;
          this.commit(tx.changes, xid, lsnBefore);
        } else this.stats.uncertainAborted++;
      } finally {
        await again.end().catch(() => undefined);
      }
      throw e;
    }
    this.commit(tx.changes, xid, lsnBefore);
  }

  private nextId(w: number): number {
    return this.seqs[w]!++ * this.opts.writers + w;
  }

  private bumpRev(): number {
    return ++this.rev;
  }

  private async insert(tx: Tx, rng: Rng, w: number, table: TableSpec): Promise<void> {
    const rev = this.bumpRev();
    switch (table.name) {
      case 'accounts':
        await tx.exec(
          ACCOUNTS,
          'INSERT INTO accounts (id, owner, balance, opened_at, active, meta, rev) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [
            (ACCOUNT_BASE + BigInt(this.nextId(w))).toString(),
            text(rng, rng.int(1, 4)),
            money(rng, 12, 4),
            timestamp(rng),
            rng.chance(0.5),
            meta(rng),
            rev,
          ],
          'write',
        );
        return;
      case 'orders':
        await tx.exec(
          ORDERS,
          'INSERT INTO orders (region, order_no, qty, price, note, placed_at, rev) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [
            `w${w}`,
            this.nextId(w),
            rng.int(1, 1000),
            rng.chance(0.1) ? null : money(rng, 8, 2),
            rng.chance(0.2) ? null : text(rng, rng.int(1, 6)),
            rng.chance(0.1) ? null : timestamp(rng),
            rev,
          ],
          'write',
        );
        return;
      case 'items':
        await tx.exec(
          ITEMS,
          'INSERT INTO items (id, label, body, rev) VALUES ($1, $2, $3, $4)',
          [
            ITEM_BASE + this.nextId(w),
            text(rng, 2),
            rng.chance(0.4) ? blob(rng, rng.int(4000, 9000)) : rng.chance(0.5) ? null : text(rng, 3),
            rev,
          ],
          'write',
        );
        return;
      default:
        await tx.exec(
          BULK,
          'INSERT INTO bulk (id, v, n, rev) VALUES ($1, $2, $3, $4)',
          [this.bulkBase() + this.nextId(w), text(rng, 1), String(rng.int(0, 1e9)), rev],
          'write',
        );
    }
  }

  /** Inserted bulk ids start here; a multiple of the writer count, so id % writers still names the owner. */
  private bulkBase(): number {
    return this.opts.writers * 10_000_000;
  }

  private async update(tx: Tx, rng: Rng, table: TableSpec, pk: Record<string, unknown>): Promise<void> {
    const rev = this.bumpRev();
    switch (table.name) {
      case 'accounts':
        if (rng.chance(0.5))
          await tx.exec(
            ACCOUNTS,
            'UPDATE accounts SET balance = balance + $2::numeric, active = NOT active, rev = $3 WHERE id = $1',
            [pk['id'], money(rng, 4, 4), rev],
            'write',
          );
        else
          await tx.exec(
            ACCOUNTS,
            'UPDATE accounts SET meta = $2::jsonb, opened_at = now(), rev = $3 WHERE id = $1',
            [pk['id'], meta(rng), rev],
            'write',
          );
        return;
      case 'orders':
        await tx.exec(
          ORDERS,
          'UPDATE orders SET qty = qty + 1, note = $3, rev = $4 WHERE region = $1 AND order_no = $2',
          [pk['region'], pk['order_no'], rng.chance(0.2) ? null : text(rng, rng.int(1, 6)), rev],
          'write',
        );
        return;
      case 'items':
        // Mostly leave the (possibly TOASTed) body alone: pgoutput then sends it as "unchanged".
        if (rng.chance(0.75))
          await tx.exec(
            ITEMS,
            'UPDATE items SET label = $2, rev = $3 WHERE id = $1',
            [pk['id'], text(rng, 2), rev],
            'write',
          );
        else
          await tx.exec(
            ITEMS,
            'UPDATE items SET body = $2, rev = $3 WHERE id = $1',
            [pk['id'], blob(rng, rng.int(3000, 8000)), rev],
            'write',
          );
        return;
      default:
        await tx.exec(
          BULK,
          'UPDATE bulk SET n = n + 1, v = $2, rev = $3 WHERE id = $1',
          [pk['id'], text(rng, 1), rev],
          'write',
        );
    }
  }

  private async remove(tx: Tx, table: TableSpec, pk: Record<string, unknown>): Promise<void> {
    const where = table.pk.map((k, i) => `${k} = $${i + 1}`).join(' AND ');
    await tx.exec(
      table,
      `DELETE FROM ${table.name} WHERE ${where}`,
      table.pk.map((k) => pk[k]),
      'delete',
    );
  }

  /** Moves a row to a fresh primary key: a delete of the old key and a new row for the new one. */
  private async pkChange(tx: Tx, rng: Rng, w: number): Promise<void> {
    const table = rng.pick([ACCOUNTS, ITEMS]);
    const picked = this.models[w]!.get(table.name)!.pick(rng);
    if (!picked) return this.insert(tx, rng, w, table);
    const [key, pk] = picked;
    const id =
      table === ACCOUNTS ? (ACCOUNT_BASE + BigInt(this.nextId(w))).toString() : ITEM_BASE + this.nextId(w);
    // Only items whose body is stored inline: see the TOAST + primary-key test in cdc-crash.e2e-spec.ts.
    const inline = table === ITEMS ? ' AND (body IS NULL OR length(body) < 1000)' : '';
    const rows = await tx.exec(
      table,
      `UPDATE ${table.name} SET id = $2, rev = $3 WHERE id = $1${inline}`,
      [pk['id'], id, this.bumpRev()],
      'write',
    );
    if (rows.length > 0) {
      tx.deleted(table, key, pk);
      this.stats.pkChanges++;
    }
  }

  private async smallOps(tx: Tx, rng: Rng, w: number, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const table = rng.pick(CRASH_TABLES);
      const picked = this.models[w]!.get(table.name)!.pick(rng);
      const r = rng.next();
      if (!picked || r < 0.35) await this.insert(tx, rng, w, table);
      else if (r < 0.8) await this.update(tx, rng, table, picked[1]);
      else await this.remove(tx, table, picked[1]);
    }
  }

  /** Updates or inserts a few thousand of the writer's bulk rows in one transaction. */
  private async largeTxn(tx: Tx, rng: Rng, w: number): Promise<void> {
    const [lo, hi] = this.opts.largeTxnRows ?? [1000, 3000];
    const n = rng.int(lo, hi);
    const W = this.opts.writers;
    this.stats.largeTxns++;
    if (rng.chance(0.6)) {
      await tx.exec(
        BULK,
        `UPDATE bulk SET n = n + 1, v = $4, rev = $5
           WHERE id IN (SELECT id FROM bulk WHERE id % $1::int = $2::int AND id >= $3::int ORDER BY id LIMIT ${n})`,
        [W, w, rng.int(1, 40_000), `large ${rng.int(0, 1e6)}`, this.bumpRev()],
        'write',
      );
    } else {
      const first = this.seqs[w]!;
      this.seqs[w]! += n;
      await tx.exec(
        BULK,
        `INSERT INTO bulk (id, v, n, rev)
           SELECT $1::int + (($2::int + s) * $3::int) + $4::int, 'big ' || s, s, $6 FROM generate_series(0, $5::int - 1) s`,
        [this.bulkBase(), first, W, w, n, this.bumpRev()],
        'write',
      );
    }
  }

  private async writer(w: number): Promise<void> {
    const rng = this.rng.fork(`writer-${w}`);
    const [thinkLo, thinkHi] = this.opts.thinkMs ?? [0, 20];
    const largeChance = this.opts.largeTxnChance ?? 0.03;
    let c: Client | null = null;
    while (!this.stopping) {
      try {
        c ??= await this.reconnect();
        const r = rng.next();
        if (r < largeChance) await this.txnOn(c, (tx) => this.largeTxn(tx, rng, w));
        else if (r < largeChance + 0.05)
          await this.txnOn(c, (tx) => this.smallOps(tx, rng, w, rng.int(1, 3)), true);
        else if (r < largeChance + 0.13) await this.txnOn(c, (tx) => this.pkChange(tx, rng, w));
        else await this.txnOn(c, (tx) => this.smallOps(tx, rng, w, rng.int(1, 4)));
      } catch {
        // Classified in txnOn; a fresh connection for the next transaction.
        await c?.end().catch(() => undefined);
        c = null;
        if (this.unexpectedErrors.length > 0) break;
      }
      await sleep(rng.int(thinkLo, thinkHi));
    }
    await c?.end().catch(() => undefined);
  }
}
