import { readFileSync, writeFileSync } from 'node:fs';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { sleep, startEsFake, startRedis, type EsFake, type RedisHandle } from '@tributary/testing';
import { waitFor } from '../connect/connect-http';
import {
  ACCOUNTS,
  BULK,
  CONNECTOR,
  ORDERS,
  phaseOf,
  startCdcEnv,
  waitForConfirmed,
  type CdcEnv,
} from '../cdc/cdc-harness';
import {
  DELETED,
  canonicalJson,
  canonicalKey,
  canonicalRow,
  compareState,
  rowJsonSql,
  type History,
  type HistoryEntry,
  type StateDiff,
  type TableSpec,
} from '../cdc/cdc-check';

/**
 * One pipeline file, real processes: postgres-source over accounts (bigint key above 2^53, numeric, jsonb,
 * timestamptz, boolean), orders (composite key text+int, numeric, free text, timestamptz) and bulk (the large
 * transactions); redis-sink in hash mode (one connector per table, each with its own key template), redis-sink
 * in json mode, elasticsearch-sink into the ES fake (index per table) and redis-sink in bullmq mode. The
 * workload (and its ordered history of committed changes) is cdc-harness's `Workload`; it also writes `items`,
 * which the pipeline does not capture.
 */

export const TABLES: readonly TableSpec[] = [ACCOUNTS, ORDERS, BULK];
export const DLQ_TOPIC = 'pipeline.dlq';
export const QUEUE = 'changes';
const JSON_PREFIX = 'j';

/** hash-mode connectors, one per table, with the key template and how a row's key renders under it. */
const HASH_SINKS: readonly {
  table: TableSpec;
  template: string;
  render: (row: Record<string, unknown>) => string;
}[] = [
  { table: ACCOUNTS, template: 'acct:{{key.id}}', render: (r) => `acct:${String(r['id'])}` },
  {
    table: ORDERS,
    template: 'ord:{{key.region}}:{{key.order_no}}',
    render: (r) => `ord:${String(r['region'])}:${String(r['order_no'])}`,
  },
  { table: BULK, template: 'bulk:{{key.id}}', render: (r) => `bulk:${String(r['id'])}` },
];

/** The names of every sink connector of the pipeline (their consumer groups are `connect-<name>`). */
export const SINKS = [...HASH_SINKS.map((h) => `hash-${h.table.name}`), 'json', 'es', 'bullmq'];

/** The record key's JSON as the source builds it: pk columns, bigint as a string, int as a number. */
function keyOf(table: TableSpec, row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(table.pk.map((k) => [k, row[k]]));
}

/** `{{key}}`: the single key field's value, else the key as canonical JSON (also the ES `_id`). */
function keyText(table: TableSpec, row: Record<string, unknown>): string {
  return table.pk.length === 1 ? String(row[table.pk[0]!]) : canonicalJson(keyOf(table, row));
}

export interface PipelineEnv {
  cdc: CdcEnv;
  redis: RedisHandle;
  es: EsFake;
  /** A client of the test's own (reads, keyspace checks). */
  r: Redis;
  topicOf(table: TableSpec): string;
  dispose(): Promise<void>;
}

/** Postgres, broker, Redis and the ES fake; the pipeline file is written, the worker not yet started. */
export async function startPipelineEnv(
  opts: { sourceConfig?: Record<string, unknown> } = {},
): Promise<PipelineEnv> {
  const cleanups: (() => Promise<void>)[] = [];
  const undo = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const cdc = await startCdcEnv({
      connector: {
        tables: TABLES.map((t) => `public.${t.name}`),
        'max.batch.size': 1000,
        ...opts.sourceConfig,
      },
    });
    cleanups.push(() => cdc.dispose());
    const redis = await startRedis();
    cleanups.push(() => redis.dispose());
    const es = await startEsFake();
    cleanups.push(() => es.close());
    const r = redis.client();
    const topicOf = (t: TableSpec): string => cdc.topic(t.name);
    const sink = (name: string, type: string, topics: string[], config: Record<string, unknown>) => ({
      name,
      type,
      topics,
      restart: { 'initial.delay': '200ms', 'max.delay': '2s' },
      errors: {
        tolerance: 'all',
        'dlq.topic': DLQ_TOPIC,
        'retry.timeout': '10m',
        'retry.delay.max': '2s',
      },
      config,
    });
    const all = TABLES.map(topicOf);
    const file = parse(readFileSync(cdc.pipelinePath, 'utf8')) as { connectors: unknown[] };
    file.connectors.push(
      ...HASH_SINKS.map((h) =>
        sink(`hash-${h.table.name}`, 'redis-sink', [topicOf(h.table)], {
          url: redis.url,
          mode: 'hash',
          key: h.template,
        }),
      ),
      sink('json', 'redis-sink', all, {
        url: redis.url,
        mode: 'json',
        key: `${JSON_PREFIX}:{{topic}}:{{key}}`,
      }),
      sink('es', 'elasticsearch-sink', all, {
        node: [es.url],
        index: '{{source.table}}',
        'retry.backoff': '50ms',
        'retry.backoff.max': '1s',
      }),
      sink('bullmq', 'redis-sink', all, { url: redis.url, mode: 'bullmq', queue: QUEUE }),
    );
    writeFileSync(cdc.pipelinePath, stringify(file));
    return { cdc, redis, es, r, topicOf, dispose: undo };
  } catch (e) {
    await undo();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the targets

/** Every key matching `pattern` (SCAN, so a big keyspace does not block Redis). */
async function scanKeys(r: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

/**
 * A hash read back as a row: every field is a string; ints and booleans are turned back only when they are
 * spelled exactly as the sink promises ("42", "true"/"false"), absent fields are null (the hash holds only the
 * non-null columns), so any other spelling or an unknown field shows up as a difference.
 */
function rowFromHash(table: TableSpec, h: Record<string, string>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const c of table.columns) {
    const v = h[c.name];
    if (v === undefined) row[c.name] = null;
    else if (c.type === 'int' && /^-?\d+$/.test(v)) row[c.name] = Number(v);
    else if (c.type === 'bool' && (v === 'true' || v === 'false')) row[c.name] = v === 'true';
    else row[c.name] = v;
  }
  for (const k of Object.keys(h)) if (!(k in row)) row[k] = h[k];
  return row;
}

export interface TargetDiff {
  target: string;
  table: string;
  rows: number;
  diff: StateDiff;
}

async function expected(
  env: PipelineEnv,
  table: TableSpec,
  render: (row: Record<string, unknown>) => string,
): Promise<Map<string, string>> {
  const r = await env.cdc.pg.query<{ j: string }>(
    `SELECT ${rowJsonSql(table)} AS j FROM public.${table.name}`,
  );
  const out = new Map<string, string>();
  for (const { j } of r.rows) {
    const row = JSON.parse(j) as Record<string, unknown>;
    out.set(render(row), canonicalRow(table, row));
  }
  return out;
}

/** Each target (hash, json, ES) against each table, keyed by the target's own key (Redis key, ES _id). */
export async function compareTargets(env: PipelineEnv): Promise<TargetDiff[]> {
  const out: TargetDiff[] = [];
  for (const h of HASH_SINKS) {
    const t = h.table;
    const want = await expected(env, t, h.render);
    const keys = await scanKeys(env.r, `${h.template.split(':')[0]}:*`);
    const got = new Map<string, string>();
    const pipe = env.r.pipeline();
    for (const k of keys) pipe.hgetall(k);
    const res = (await pipe.exec()) ?? [];
    keys.forEach((k, i) => got.set(k, canonicalRow(t, rowFromHash(t, res[i]![1] as Record<string, string>))));
    out.push({ target: 'hash', table: t.name, rows: want.size, diff: compareState(got, want) });
  }
  for (const t of TABLES) {
    const prefix = `${JSON_PREFIX}:${env.topicOf(t)}:`;
    const want = await expected(env, t, (row) => `${prefix}${keyText(t, row)}`);
    const keys = await scanKeys(env.r, `${prefix}*`);
    const got = new Map<string, string>();
    const values = keys.length > 0 ? await env.r.mget(keys) : [];
    keys.forEach((k, i) => {
      const v = values[i];
      let row: unknown;
      try {
        row = v === null || v === undefined ? v : JSON.parse(v);
      } catch {
        row = v;
      }
      got.set(
        k,
        row !== null && typeof row === 'object' ? canonicalRow(t, row as Record<string, unknown>) : String(v),
      );
    });
    out.push({ target: 'json', table: t.name, rows: want.size, diff: compareState(got, want) });
  }
  for (const t of TABLES) {
    const want = await expected(env, t, (row) => keyText(t, row));
    const got = new Map<string, string>();
    for (const [id, src] of env.es.docs(t.name)) got.set(id, canonicalRow(t, src as Record<string, unknown>));
    out.push({ target: 'es', table: t.name, rows: want.size, diff: compareState(got, want) });
  }
  return out;
}

export function targetsClean(diffs: readonly TargetDiff[]): boolean {
  return diffs.every(
    (d) => d.diff.missing.length === 0 && d.diff.extra.length === 0 && d.diff.different.length === 0,
  );
}

/** Counts and the first examples, for an assertion message that says what differs. */
export function describeDiffs(diffs: readonly TargetDiff[]): string[] {
  return diffs
    .filter((d) => d.diff.missing.length + d.diff.extra.length + d.diff.different.length > 0)
    .map(
      (d) =>
        `${d.target}/${d.table} (${d.rows} rows): missing ${d.diff.missing.length} ${JSON.stringify(d.diff.missing.slice(0, 2))}, ` +
        `extra ${d.diff.extra.length} ${JSON.stringify(d.diff.extra.slice(0, 2))}, ` +
        `different ${d.diff.different.length} ${JSON.stringify(d.diff.different.slice(0, 2))}`,
    );
}

// ---------------------------------------------------------------------------------------------------------------
// BullMQ

interface JobData {
  topic: string;
  op: string;
  key: Record<string, unknown>;
}

/** A BullMQ Worker in the test: every job it processes, by id, and the (table, key, op) each carries. */
export class JobCollector {
  readonly ids = new Map<string, number>();
  /** `table|canonical key|op` -> jobs. */
  readonly changes = new Map<string, number>();
  received = 0;
  private readonly worker: Worker;
  private readonly conn: Redis;

  constructor(env: PipelineEnv) {
    this.conn = new Redis(env.redis.url, { maxRetriesPerRequest: null });
    this.conn.on('error', () => undefined);
    const byTopic = new Map(TABLES.map((t) => [env.topicOf(t), t]));
    this.worker = new Worker(
      QUEUE,
      async (job: Job<JobData>) => {
        this.received++;
        this.ids.set(job.id!, (this.ids.get(job.id!) ?? 0) + 1);
        const t = byTopic.get(job.data.topic);
        const k = t
          ? `${t.name}|${canonicalKey(t, job.data.key)}|${job.data.op}`
          : `?${job.data.topic}|${job.data.op}`;
        this.changes.set(k, (this.changes.get(k) ?? 0) + 1);
      },
      { connection: this.conn, concurrency: 50 },
    );
    this.worker.on('error', () => undefined);
  }

  duplicates(): string[] {
    return [...this.ids].filter(([, n]) => n > 1).map(([id]) => id);
  }

  async close(): Promise<void> {
    await this.worker.close().catch(() => undefined);
    this.conn.disconnect();
  }
}

/**
 * The jobs the committed history implies: per key, its first change is `r` when the snapshot read it (a
 * preloaded key), else `c`; later writes are `u`; deletes (incl. the old key of a primary-key change) `d`.
 */
export function expectedJobs(history: History, snapshotKeys: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of TABLES) {
    for (const [key, entries] of history.get(t.name) ?? new Map<string, HistoryEntry[]>()) {
      entries.forEach((h, i) => {
        const op = h.image === DELETED ? 'd' : i > 0 ? 'u' : snapshotKeys.has(`${t.name}|${key}`) ? 'r' : 'c';
        const k = `${t.name}|${key}|${op}`;
        out.set(k, (out.get(k) ?? 0) + 1);
      });
    }
  }
  return out;
}

/** The keys the history holds now (call after the preload: those are the snapshot's rows). */
export function historyKeys(history: History): Set<string> {
  const out = new Set<string>();
  for (const t of TABLES)
    for (const key of (history.get(t.name) ?? new Map()).keys()) out.add(`${t.name}|${key}`);
  return out;
}

export function diffCounts(want: Map<string, number>, got: Map<string, number>): string[] {
  const out: string[] = [];
  for (const k of new Set([...want.keys(), ...got.keys()]))
    if ((want.get(k) ?? 0) !== (got.get(k) ?? 0))
      out.push(`${k}: want ${want.get(k) ?? 0}, got ${got.get(k) ?? 0}`);
  return out;
}

export function sum(m: Map<string, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Quiescing

/** Sum over the sink groups of (high watermark - committed offset) on their topics. */
export async function sinkLag(env: PipelineEnv): Promise<number> {
  const admin = env.cdc.admin;
  const topics = await admin.listTopics();
  const wanted = TABLES.map(env.topicOf).filter((t) => topics.includes(t));
  const highs = new Map<string, number>();
  for (const t of wanted)
    for (const o of await admin.fetchTopicOffsets(t)) highs.set(`${t}/${o.partition}`, Number(o.high));
  let lag = 0;
  for (const name of SINKS) {
    const subscribed = name.startsWith('hash-')
      ? wanted.filter((t) => t.endsWith(`.${name.slice('hash-'.length)}`))
      : wanted;
    const groups = await admin.fetchOffsets({ groupId: `connect-${name}`, topics: subscribed });
    for (const g of groups)
      for (const p of g.partitions) {
        const high = highs.get(`${g.topic}/${p.partition}`) ?? 0;
        const committed = Number(p.offset) < 0 ? 0 : Number(p.offset);
        lag += Math.max(0, high - committed);
      }
  }
  return lag;
}

/**
 * Once the workload stopped: the slot confirms the final WAL position (every change is in the topics), the
 * sink groups have no lag (every record is flushed to its target), then the targets equal the tables (polled,
 * since the last flush may land just after the commit that ended the lag).
 */
export async function quiesce(env: PipelineEnv, timeoutMs: number): Promise<TargetDiff[]> {
  const deadline = Date.now() + timeoutMs;
  const lsn = (await env.cdc.pg.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
  await waitForConfirmed(env.cdc, lsn, timeoutMs);
  await waitFor(
    'the sinks to catch up',
    () => sinkLag(env),
    (n) => n === 0,
    Math.max(1000, deadline - Date.now()),
    500,
  );
  for (;;) {
    const diffs = await compareTargets(env);
    if (targetsClean(diffs) || Date.now() > deadline) return diffs;
    await sleep(1000);
  }
}

/** Records in the DLQ topic (0 when it was never created). */
export async function dlqCount(env: PipelineEnv): Promise<number> {
  const admin = env.cdc.admin;
  if (!(await admin.listTopics()).includes(DLQ_TOPIC)) return 0;
  const offsets = await admin.fetchTopicOffsets(DLQ_TOPIC);
  return offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
}

/** The status of every connector that is not RUNNING with a RUNNING task, for failure messages. */
export async function unhealthy(env: PipelineEnv): Promise<string[]> {
  const out: string[] = [];
  for (const name of [CONNECTOR, ...SINKS]) {
    try {
      const res = await fetch(`${env.cdc.worker().url}/connectors/${name}/status`);
      const body = (await res.json()) as {
        connector: { state: string };
        tasks: { state: string; trace?: string }[];
      };
      const bad = body.tasks.filter((t) => t.state !== 'RUNNING');
      if (body.connector.state !== 'RUNNING' || bad.length > 0)
        out.push(
          `${name}: ${body.connector.state} ${bad.map((t) => `${t.state} ${t.trace?.slice(0, 300) ?? ''}`).join('; ')}`,
        );
    } catch (e) {
      out.push(`${name}: ${(e as Error).message}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Hand-written edge transactions

/**
 * Transactions that change one key several times: every change in a transaction shares its commit LSN (the
 * `source.lsn` header sinks version by), so sinks must apply equal versions in order, and BullMQ job ids must
 * still tell the changes apart. Keys are outside the workload's ranges. Returns the jobs they imply.
 */
export async function edgeTransactions(env: PipelineEnv): Promise<Map<string, number>> {
  const want = new Map<string, number>();
  const add = (t: TableSpec, key: Record<string, unknown>, ...ops: string[]): void => {
    for (const op of ops) {
      const k = `${t.name}|${canonicalKey(t, key)}|${op}`;
      want.set(k, (want.get(k) ?? 0) + 1);
    }
  };
  const txn = async (...sql: string[]): Promise<void> => {
    await env.cdc.pg.query(`BEGIN; ${sql.join('; ')}; COMMIT`);
  };
  const ts = `'2024-02-29 23:59:59.000001+00'`;
  await txn(
    `INSERT INTO orders VALUES ('edge', 1, 1, 1.50, 'first', ${ts}, 0)`,
    `UPDATE orders SET qty = qty + 1, rev = 1 WHERE region = 'edge' AND order_no = 1`,
    `UPDATE orders SET note = 'second', rev = 2 WHERE region = 'edge' AND order_no = 1`,
  );
  add(ORDERS, { region: 'edge', order_no: 1 }, 'c', 'u', 'u');
  await txn(
    `UPDATE orders SET qty = 7, rev = 3 WHERE region = 'edge' AND order_no = 1`,
    `DELETE FROM orders WHERE region = 'edge' AND order_no = 1`,
    `INSERT INTO orders VALUES ('edge', 1, 9, NULL, 'reborn', NULL, 4)`,
  );
  add(ORDERS, { region: 'edge', order_no: 1 }, 'u', 'd', 'c');
  await txn(
    `INSERT INTO accounts VALUES (1, 'edge', 0.0001, ${ts}, true, '{"a": [1, 2]}', 0)`,
    `UPDATE accounts SET id = 2, rev = 1 WHERE id = 1`,
    `UPDATE accounts SET id = 3, balance = -1.5, rev = 2 WHERE id = 2`,
  );
  add(ACCOUNTS, { id: '1' }, 'c', 'd');
  add(ACCOUNTS, { id: '2' }, 'c', 'd');
  add(ACCOUNTS, { id: '3' }, 'c');
  await txn(
    `INSERT INTO bulk VALUES (-1, 'x', 1, 0)`,
    `UPDATE bulk SET n = n + 1, rev = 1 WHERE id = -1`,
    `UPDATE bulk SET n = n + 1, rev = 2 WHERE id = -1`,
    `DELETE FROM bulk WHERE id = -1`,
  );
  add(BULK, { id: -1 }, 'c', 'u', 'u', 'd');
  return want;
}

export function mergeCounts(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map(a);
  for (const [k, v] of b) out.set(k, (out.get(k) ?? 0) + v);
  return out;
}

/** Waits until the source finished its snapshot and streams (writers start then, so the snapshot is known). */
export async function untilStreaming(env: PipelineEnv): Promise<void> {
  await waitFor(
    'the snapshot to finish',
    () => phaseOf(env.cdc),
    (p) => p === 'streaming',
    60_000,
    200,
  );
}

/** Everything that differs from what the workload committed, once the pipeline caught up. */
export interface Settled {
  diffs: TargetDiff[];
  want: Map<string, number>;
  problems: {
    targets: string[];
    jobs: string[];
    duplicateJobIds: string[];
    dlq: number;
    unhealthy: string[];
  };
}

/**
 * After the writers stopped: waits for every sink to catch up and the BullMQ worker to get every job, then
 * compares the targets with the tables and the jobs with the committed history (plus the edge transactions).
 */
export async function settle(
  env: PipelineEnv,
  jobs: JobCollector,
  history: History,
  snapshotKeys: ReadonlySet<string>,
  edge: Map<string, number>,
  timeoutMs: number,
): Promise<Settled> {
  const diffs = await quiesce(env, timeoutMs);
  const want = mergeCounts(expectedJobs(history, snapshotKeys), edge);
  // A shortfall is reported by the job comparison below, with the keys that lack jobs.
  await waitFor(
    'the BullMQ worker to get every job',
    () => jobs.received,
    (n) => n >= sum(want),
    30_000,
    200,
  ).catch(() => undefined);
  return {
    diffs,
    want,
    problems: {
      targets: describeDiffs(diffs),
      jobs: diffCounts(want, jobs.changes).slice(0, 10),
      duplicateJobIds: jobs.duplicates().slice(0, 10),
      dlq: await dlqCount(env),
      unhealthy: await unhealthy(env),
    },
  };
}
