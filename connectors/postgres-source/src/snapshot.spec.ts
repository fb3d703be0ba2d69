import type { SourceRecord } from '@tributary/connect-sdk';
import { InMemoryOffsetStore } from '@tributary/connect-sdk/acceptance';
import { startPostgres, type PostgresHandle } from '@tributary/testing';
import { count, freshDb, pollUntil, reduce, start, value, type TestDb } from './test-support';

jest.setTimeout(180_000);

const tableState = async (db: TestDb, table: string): Promise<Map<string, Record<string, unknown>>> => {
  const { rows } = await db.query<{ id: number }>(`SELECT * FROM ${table} ORDER BY id`);
  return new Map(rows.map((r) => [JSON.stringify({ id: r.id }), { ...r }]));
};

describe('postgres-source snapshot', () => {
  let pg: PostgresHandle;
  let db: TestDb;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => pg?.dispose());
  beforeEach(async () => {
    db = await freshDb(pg);
  });
  afterEach(async () => db.close());

  it('snapshots, then streams writes made during the snapshot: the reduced topic equals the table', async () => {
    await db.query('CREATE TABLE s (id int PRIMARY KEY, v int)');
    await db.query('INSERT INTO s SELECT g, 0 FROM generate_series(1, 20000) g');
    await db.query('ANALYZE s');
    // A small queue: the snapshot pauses while nobody polls, so the writes below land mid-snapshot.
    const d = await start(db, { 'snapshot.fetch.size': 1000, 'max.queue.size': 500, 'max.batch.size': 500 });
    try {
      const first = await pollUntil(d, count(1000));
      const status = d.task.status() as { phase: string; snapshot: Record<string, unknown> };
      expect(status.phase).toBe('snapshot');
      expect(status.snapshot).toMatchObject({ table: 'public.s', tables_total: 1, estimated_rows: 20000 });
      await db.query('UPDATE s SET v = v + 1 WHERE id % 100 = 0');
      await db.query('DELETE FROM s WHERE id % 1000 = 1');
      await db.query('INSERT INTO s SELECT g, 7 FROM generate_series(20001, 20100) g');
      await db.query('UPDATE s SET v = v + 1 WHERE id % 100 = 0');
      const expected = await tableState(db, 's');
      const rest = await pollUntil(d, (all) => {
        if (first.length + all.length < 20000) return false;
        const m = reduce([...first, ...all], 'test.public.s');
        return m.size === expected.size && [...expected].every(([k, v]) => m.get(k)?.['v'] === v['v']);
      });
      const all = [...first, ...rest];
      expect(reduce(all, 'test.public.s')).toEqual(expected);
      const snap = all.filter((r) => r.value !== null && value(r).op === 'r');
      expect(snap).toHaveLength(20000);
      expect(snap.slice(0, -1).every((r) => value(r).source['snapshot'] === 'true')).toBe(true);
      expect(value(snap[snap.length - 1]!).source['snapshot']).toBe('last');
      expect(snap[snap.length - 1]!.sourceOffset['snapshot']).toBeUndefined();
      // The snapshot comes first, in key order.
      expect(all.slice(0, 20000).map((r) => (r.key as { id: number }).id)).toEqual(
        Array.from({ length: 20000 }, (_, i) => i + 1),
      );
      expect((d.task.status() as { snapshot: { rows: Record<string, number> } }).snapshot.rows).toEqual({
        'public.s': 20000,
      });
    } finally {
      await d.task.stop();
    }
  });

  it('resumes an interrupted snapshot after the last stored key, then streams what changed', async () => {
    await db.query('CREATE TABLE r1 (id int PRIMARY KEY, v int)');
    await db.query('CREATE TABLE r2 (id int PRIMARY KEY, v int)');
    await db.query('CREATE TABLE r3 (id text, v int)'); // no primary key: read with a cursor, key null
    await db.query('INSERT INTO r1 SELECT g, 0 FROM generate_series(1, 3000) g');
    await db.query('INSERT INTO r2 SELECT g, 0 FROM generate_series(1, 3000) g');
    await db.query("INSERT INTO r3 SELECT 'k' || g, 0 FROM generate_series(1, 10) g");
    const offsets = new InMemoryOffsetStore();
    const cfg = { 'snapshot.fetch.size': 500, 'max.queue.size': 600, 'max.batch.size': 300 };
    const d = await start(db, cfg, offsets);
    const acked: SourceRecord[] = [];
    // Read into the second table, ack, and stop (the worker "dies" mid-snapshot).
    const first = await pollUntil(d, count(4200));
    acked.push(...first.slice(0, 4200));
    await d.ack(acked);
    await d.task.stop();
    const stored = offsets.offsetFor({ server: 'test' }) as {
      snapshot: { completed: string[]; table: string };
    };
    expect(stored.snapshot.completed).toEqual(['public.r1']);
    expect(stored.snapshot.table).toBe('public.r2');

    await db.query('UPDATE r1 SET v = 5 WHERE id <= 10');
    await db.query('UPDATE r2 SET v = 6 WHERE id > 2990');
    await db.query('DELETE FROM r2 WHERE id = 1');

    const again = await start(db, cfg, offsets);
    try {
      const expected1 = await tableState(db, 'r1');
      const expected2 = await tableState(db, 'r2');
      const rest = await pollUntil(again, (all) => {
        const m = reduce([...acked, ...all], 'test.public.r2');
        return (
          all.filter((r) => r.topic === 'test.public.r3').length >= 10 &&
          m.size === expected2.size &&
          m.get(JSON.stringify({ id: 2995 }))?.['v'] === 6 &&
          reduce([...acked, ...all], 'test.public.r1').get(JSON.stringify({ id: 5 }))?.['v'] === 5
        );
      });
      // The resumed snapshot starts after the last acked key: nothing of r1, r2 only past 1200.
      const resumedSnap = rest.filter((r) => r.value !== null && value(r).op === 'r');
      expect(resumedSnap.filter((r) => r.topic === 'test.public.r1')).toHaveLength(0);
      const r2ids = resumedSnap
        .filter((r) => r.topic === 'test.public.r2')
        .map((r) => (r.key as { id: number }).id);
      expect(r2ids[0]).toBe(1201);
      expect(r2ids).toHaveLength(1800);
      const r3 = resumedSnap.filter((r) => r.topic === 'test.public.r3');
      expect(r3.every((r) => r.key === null)).toBe(true);
      const all = [...acked, ...rest];
      expect(reduce(all, 'test.public.r1')).toEqual(expected1);
      expect(reduce(all, 'test.public.r2')).toEqual(expected2);
    } finally {
      await again.task.stop();
    }
  });

  it('initial_only snapshots without creating a slot, then idles', async () => {
    await db.query('CREATE TABLE o (id int PRIMARY KEY)');
    await db.query('INSERT INTO o SELECT generate_series(1, 5)');
    const d = await start(db, { 'snapshot.mode': 'initial_only' });
    try {
      const got = await pollUntil(d, count(5));
      expect(got.map((r) => value(r).op)).toEqual(['r', 'r', 'r', 'r', 'r']);
      expect(await d.poll()).toEqual([]);
      expect(d.task.status()['phase']).toBe('idle');
      const slots = await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [db.name]);
      expect(slots.rowCount).toBe(0);
    } finally {
      await d.task.stop();
    }
  });
});
