/**
 * Helpers for this connector's specs: a fresh database per test on one private Postgres, a task driven with the
 * SDK's fake context, and polling until records arrive. Not used at runtime.
 */
import type { DrivenSource } from '@tributary/connect-sdk/acceptance';
import { startSource, InMemoryOffsetStore } from '@tributary/connect-sdk/acceptance';
import type { SourceRecord } from '@tributary/connect-sdk';
import type { PostgresHandle } from '@tributary/testing';
import { Client, type QueryResult, type QueryResultRow } from 'pg';
import { postgresSourceConfig, type PostgresSourceConfig } from './config';
import { PostgresSourceTask } from './postgres-source-task';

export interface TestDb {
  name: string;
  url: string;
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** A dedicated connection (for concurrent writers or open transactions); closed by `close`. */
  connect(): Promise<Client>;
  close(): Promise<void>;
}

let seq = 0;

export async function freshDb(pg: PostgresHandle): Promise<TestDb> {
  const name = `t${process.pid}_${++seq}`;
  await pg.query(`CREATE DATABASE ${name}`);
  const url = pg.url.replace(/\/postgres$/, `/${name}`);
  const main = new Client({ connectionString: url });
  await main.connect();
  const extra: Client[] = [];
  return {
    name,
    url,
    query: (sql, params) => main.query(sql, params),
    connect: async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      extra.push(c);
      return c;
    },
    close: async () => {
      for (const c of extra) await c.end().catch(() => undefined);
      await main.end().catch(() => undefined);
      // Slots pin WAL and count against max_replication_slots: drop this test's slots.
      await pg
        .query(
          `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL`,
          [name],
        )
        .catch(() => undefined);
      await pg
        .query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1`, [
          name,
        ])
        .catch(() => undefined);
    },
  };
}

export function config(db: TestDb, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    connection: db.url,
    tables: ['public.*'],
    'topic.prefix': 'test',
    'slot.name': db.name,
    'heartbeat.interval': 0,
    ...extra,
  };
}

export type Driven = DrivenSource<PostgresSourceConfig> & { task: PostgresSourceTask };

export async function start(
  db: TestDb,
  extra: Record<string, unknown> = {},
  offsets = new InMemoryOffsetStore(),
): Promise<Driven> {
  const task = new PostgresSourceTask();
  return (await startSource(postgresSourceConfig, config(db, extra), task, offsets)) as Driven;
}

/** Polls until `done(all)` holds; fails after `timeoutMs`. */
export async function pollUntil(
  d: Driven,
  done: (all: SourceRecord[]) => boolean,
  timeoutMs = 60_000,
): Promise<SourceRecord[]> {
  const all: SourceRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(all)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out with ${all.length} records; status ${JSON.stringify(d.task.status())}`);
    }
    all.push(...(await d.poll()));
  }
  return all;
}

export const count = (n: number) => (all: SourceRecord[]) => all.length >= n;

/** Waits until the task has reached streaming (the slot is being read). */
export async function untilStreaming(d: Driven, timeoutMs = 60_000): Promise<SourceRecord[]> {
  return pollUntil(
    d,
    () => d.task.status()['phase'] === 'streaming' && (d.task.status()['slot'] as unknown) !== null,
    timeoutMs,
  );
}

export interface Envelope {
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: Record<string, unknown>;
  op: string;
  ts_ms: number;
}

export const value = (r: SourceRecord): Envelope => r.value as Envelope;

/** Folds records into the latest row per key, as a compacted topic would be read (tombstones remove). */
export function reduce(
  records: readonly SourceRecord[],
  topic: string,
): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of records) {
    if (r.topic !== topic) continue;
    const k = JSON.stringify(r.key);
    if (r.value === null) out.delete(k);
    else {
      const v = value(r);
      if (v.op === 'd') out.delete(k);
      else if (v.after) out.set(k, v.after);
    }
  }
  return out;
}
