import type { SourceRecord } from '@tributary/connect-sdk';
import { startPostgres, type PostgresHandle } from '@tributary/testing';
import { formatLsn, parseLsn } from './lsn';
import { count, freshDb, pollUntil, reduce, start, untilStreaming, value, type TestDb } from './test-support';

jest.setTimeout(180_000);

const slotLsn = async (db: TestDb): Promise<number> => {
  const r = await db.query<{ l: string }>(
    'SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1',
    [db.name],
  );
  return parseLsn(r.rows[0]?.l);
};

/** Waits until the slot's confirmed_flush_lsn satisfies `ok` (status updates are asynchronous). */
const slotReaches = async (db: TestDb, ok: (lsn: number) => boolean): Promise<number> => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lsn = await slotLsn(db);
    if (ok(lsn) || Date.now() > deadline) return lsn;
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('postgres-source streaming', () => {
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

  it('emits c/u/d with tombstones; REPLICA IDENTITY DEFAULT gives the key as before, FULL the whole row', async () => {
    await db.query('CREATE TABLE d (id int PRIMARY KEY, v text, n int)');
    await db.query('CREATE TABLE f (id int PRIMARY KEY, v text, n int)');
    await db.query('ALTER TABLE f REPLICA IDENTITY FULL');
    const d = await start(db, { 'snapshot.mode': 'never' });
    try {
      await untilStreaming(d);
      for (const t of ['d', 'f']) {
        await db.query(`INSERT INTO ${t} VALUES (1, 'a', 1)`);
        await db.query(`UPDATE ${t} SET v = 'b' WHERE id = 1`);
        await db.query(`DELETE FROM ${t} WHERE id = 1`);
      }
      const got = await pollUntil(d, count(8));
      expect(got.map((r) => [r.topic, r.value === null ? 'tombstone' : value(r).op])).toEqual([
        ['test.public.d', 'c'],
        ['test.public.d', 'u'],
        ['test.public.d', 'd'],
        ['test.public.d', 'tombstone'],
        ['test.public.f', 'c'],
        ['test.public.f', 'u'],
        ['test.public.f', 'd'],
        ['test.public.f', 'tombstone'],
      ]);
      const [, du, dd, dt, , fu, fd] = got as [SourceRecord, ...SourceRecord[]];
      expect(value(du!).before).toEqual({ id: 1 });
      expect(value(du!).after).toEqual({ id: 1, v: 'b', n: 1 });
      expect(value(dd!).before).toEqual({ id: 1 });
      expect(value(dd!).after).toBeNull();
      expect(dt!.key).toEqual({ id: 1 });
      expect(value(fu!).before).toEqual({ id: 1, v: 'a', n: 1 });
      expect(value(fd!).before).toEqual({ id: 1, v: 'b', n: 1 });
      const src = value(got[0]!).source;
      expect(src).toMatchObject({
        connector: 'postgresql',
        name: 'test',
        db: db.name,
        schema: 'public',
        table: 'd',
      });
      expect(src['snapshot']).toBe('false');
      expect(typeof src['lsn']).toBe('number');
      expect(typeof src['txId']).toBe('number');
      // The header versions by commit LSN: after the change's own LSN, and ahead of the next transaction's.
      const version = (r: SourceRecord) => Number(r.headers?.['source.lsn']);
      expect(version(got[0]!)).toBeGreaterThan(src['lsn'] as number);
      for (let i = 1; i < got.length; i++)
        expect(version(got[i]!)).toBeGreaterThanOrEqual(version(got[i - 1]!));
      expect(got[0]!.sourcePartition).toEqual({ server: 'test' });
    } finally {
      await d.task.stop();
    }
  });

  it('turns a primary-key change into delete + tombstone + create', async () => {
    await db.query('CREATE TABLE p (id int PRIMARY KEY, v text)');
    await db.query("INSERT INTO p VALUES (1, 'x')");
    const d = await start(db, { 'snapshot.mode': 'never' });
    try {
      await untilStreaming(d);
      await db.query('UPDATE p SET id = 2 WHERE id = 1');
      const got = await pollUntil(d, count(3));
      expect(got.map((r) => [r.key, r.value === null ? null : value(r).op])).toEqual([
        [{ id: 1 }, 'd'],
        [{ id: 1 }, null],
        [{ id: 2 }, 'c'],
      ]);
      expect(value(got[0]!).before).toEqual({ id: 1 });
      expect(value(got[2]!).after).toEqual({ id: 2, v: 'x' });
    } finally {
      await d.task.stop();
    }
  });

  it.each([
    [
      'placeholder',
      (after: Record<string, unknown>) => expect(after['big']).toBe('__tributary_unavailable_value'),
    ],
    ['omit', (after: Record<string, unknown>) => expect('big' in after).toBe(false)],
  ] as const)('unchanged TOAST value with toast: %s', async (mode, check) => {
    await db.query('CREATE TABLE tt (id int PRIMARY KEY, n int, big text)');
    // Random text does not compress below the TOAST threshold, so it is stored out of line.
    await db.query(
      "INSERT INTO tt SELECT 1, 0, string_agg(md5(random()::text), '') FROM generate_series(1, 400)",
    );
    const d = await start(db, { 'snapshot.mode': 'never', toast: mode });
    try {
      await untilStreaming(d);
      await db.query('UPDATE tt SET n = 1 WHERE id = 1');
      const [u] = await pollUntil(d, count(1));
      const after = value(u!).after!;
      expect(after['n']).toBe(1);
      check(after);
      expect(after['big']).not.toBeNull();
    } finally {
      await d.task.stop();
    }
  });

  it('emits truncate events only when asked', async () => {
    await db.query('CREATE TABLE a (id int PRIMARY KEY)');
    await db.query('CREATE TABLE b (id int PRIMARY KEY)');
    const quiet = await start(db, { 'snapshot.mode': 'never' });
    await untilStreaming(quiet);
    await db.query('INSERT INTO a VALUES (1)');
    await db.query('TRUNCATE a, b');
    await db.query('INSERT INTO a VALUES (2)');
    const q = await pollUntil(quiet, count(2));
    expect(q.map((r) => value(r).op)).toEqual(['c', 'c']);
    await quiet.task.stop();
    await db.query(`SELECT pg_drop_replication_slot('${db.name}')`);

    const d = await start(db, { 'snapshot.mode': 'never', 'truncate.events': true });
    try {
      await untilStreaming(d);
      await db.query('TRUNCATE a, b');
      const got = await pollUntil(d, count(2));
      expect(got.map((r) => [r.topic, r.key, value(r).op])).toEqual([
        ['test.public.a', null, 't'],
        ['test.public.b', null, 't'],
      ]);
    } finally {
      await d.task.stop();
    }
  });

  it('streams a 100k-row transaction completely and in order, with bounded buffering', async () => {
    await db.query('CREATE TABLE big (id int PRIMARY KEY, v text)');
    const d = await start(db, { 'snapshot.mode': 'never', 'max.queue.size': 5000 });
    try {
      await untilStreaming(d);
      await db.query("INSERT INTO big SELECT g, 'row ' || g FROM generate_series(1, 100000) g");
      let n = 0;
      let last = 0;
      let txEnds = 0;
      const deadline = Date.now() + 60_000;
      while (n < 100_000 && Date.now() < deadline) {
        const batch = await d.poll();
        let inOrder = true;
        for (const r of batch) {
          const id = (r.key as { id: number }).id;
          inOrder &&= id === last + 1;
          last = id;
          if (r.sourceOffset['txEnd']) txEnds++;
        }
        if (!inOrder) throw new Error(`out of order near id ${last}`);
        n += batch.length;
        await d.ack(batch);
      }
      expect(n).toBe(100_000);
      expect(txEnds).toBe(1);
    } finally {
      await d.task.stop();
    }
  });

  it('keeps per-key order under concurrent writers; the reduced topic equals the table', async () => {
    await db.query('CREATE TABLE c (id int PRIMARY KEY, v int NOT NULL, w int)');
    const d = await start(db, { 'snapshot.mode': 'never' });
    try {
      await untilStreaming(d);
      const writers = await Promise.all([0, 1, 2, 3].map(() => db.connect()));
      await Promise.all(
        writers.map(async (c, w) => {
          for (let i = 0; i < 150; i++) {
            const k = (i * 7 + w) % 20;
            await c.query(
              'INSERT INTO c VALUES ($1, 1, $2) ON CONFLICT (id) DO UPDATE SET v = c.v + 1, w = $2',
              [k, w],
            );
            if (i % 25 === 24) await c.query('DELETE FROM c WHERE id = $1', [(k + 3) % 20]);
          }
        }),
      );
      const rows = (await db.query<{ id: number; v: number; w: number }>('SELECT * FROM c')).rows;
      const stats = await db.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM pg_stat_user_tables WHERE relname = 'c'",
      );
      expect(stats.rows[0]?.n).toBe('1');
      const got = await pollUntil(d, (all) => {
        const m = reduce(all, 'test.public.c');
        return (
          m.size === rows.length && rows.every((r) => m.get(JSON.stringify({ id: r.id }))?.['v'] === r.v)
        );
      });
      // Per key, v only grows between deletes: the stream kept each key's order.
      const lastV = new Map<number, number>();
      for (const r of got) {
        const id = (r.key as { id: number }).id;
        if (r.value === null) continue;
        const v = value(r);
        if (v.op === 'd') lastV.delete(id);
        else {
          const n = v.after!['v'] as number;
          expect(n).toBeGreaterThan(lastV.get(id) ?? 0);
          lastV.set(id, n);
        }
      }
      const reduced = reduce(got, 'test.public.c');
      expect(new Map(rows.map((r) => [JSON.stringify({ id: r.id }), r]))).toEqual(reduced);
    } finally {
      await d.task.stop();
    }
  });

  it('confirms to the slot only what was acked, at transaction ends; a restart resumes without gap or duplicate', async () => {
    await db.query('CREATE TABLE k (id int PRIMARY KEY)');
    const d = await start(db, { 'snapshot.mode': 'never' });
    await untilStreaming(d);
    const initial = await slotLsn(db);
    await db.query('INSERT INTO k VALUES (1)');
    await db.query('INSERT INTO k VALUES (2)');
    await db.query(
      'BEGIN; INSERT INTO k VALUES (3); INSERT INTO k VALUES (4); INSERT INTO k VALUES (5); COMMIT',
    );
    const got = await pollUntil(d, count(5));
    expect(got.map((r) => r.sourceOffset['txEnd'] === true)).toEqual([true, true, false, false, true]);
    expect(await slotLsn(db)).toBe(initial);

    // Ack the first two transactions and one record of the third.
    await d.ack(got.slice(0, 3));
    const second = got[1]!.sourceOffset['flush'] as number;
    const third = got[4]!.sourceOffset['flush'] as number;
    const confirmed = await slotReaches(db, (l) => l >= second);
    expect(confirmed).toBe(second);
    expect(confirmed).toBeLessThan(third);
    expect(confirmed).toBeLessThan(value(got[2]!).source['lsn'] as number);
    await new Promise((r) => setTimeout(r, 300));
    expect(formatLsn(await slotLsn(db))).toBe(formatLsn(second));
    await d.task.stop();

    // A new task on the stored offsets delivers exactly the two records not acked.
    const again = await start(db, { 'snapshot.mode': 'never' }, d.offsets);
    try {
      const rest = await pollUntil(again, count(2));
      await new Promise((r) => setTimeout(r, 500));
      rest.push(...(await again.poll()));
      expect(rest.map((r) => r.key)).toEqual([{ id: 4 }, { id: 5 }]);
      await again.ack(rest);
      expect(await slotReaches(db, (l) => l >= third)).toBe(third);
    } finally {
      await again.task.stop();
    }
  });

  it('heartbeats advance confirmed_flush_lsn while the captured table is idle', async () => {
    await db.query('CREATE TABLE idle (id int PRIMARY KEY)');
    await db.query('CREATE TABLE busy (id int PRIMARY KEY, v text)');
    const d = await start(db, {
      tables: ['public.idle'],
      'snapshot.mode': 'never',
      'heartbeat.interval': '200ms',
    });
    try {
      await untilStreaming(d);
      const before = await slotLsn(db);
      await db.query("INSERT INTO busy SELECT g, repeat('x', 100) FROM generate_series(1, 1000) g");
      const wal = parseLsn(
        (await db.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]?.l,
      );
      const got = await pollUntil(d, (all) =>
        all.some((r) => (value(r) as unknown as { lsn: number }).lsn > wal),
      );
      expect(got.every((r) => r.topic === 'test.heartbeat')).toBe(true);
      expect(got[0]!.key).toEqual({ server: 'test' });
      expect(Object.keys(got[0]!.value as object).sort()).toEqual(['lsn', 'ts_ms']);
      await d.ack(got);
      const after = await slotReaches(db, (l) => l > wal);
      expect(after).toBeGreaterThan(wal);
      expect(after).toBeGreaterThan(before);
      expect(d.task.status()).toMatchObject({ phase: 'streaming', slot: { wal_status: 'reserved' } });
    } finally {
      await d.task.stop();
    }
  });
});
