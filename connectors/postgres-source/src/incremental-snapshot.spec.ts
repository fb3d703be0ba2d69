import type { SourceRecord } from '@tributary/connect-sdk';
import { ConnectorError } from '@tributary/connect-sdk';
import { startPostgres, type PostgresHandle } from '@tributary/testing';
import { freshDb, pollUntil, reduce, start, untilStreaming, value, type TestDb } from './test-support';

jest.setTimeout(180_000);

const incremental = (all: readonly SourceRecord[]) =>
  all.filter((r) => r.value !== null && value(r).source['snapshot'] === 'incremental');

describe('postgres-source incremental snapshot', () => {
  let pg: PostgresHandle;
  let db: TestDb;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => pg?.dispose());
  beforeEach(async () => {
    db = await freshDb(pg);
    await db.query('CREATE TABLE i (id int PRIMARY KEY, v int NOT NULL)');
    await db.query('INSERT INTO i SELECT g, 0 FROM generate_series(1, 3000) g');
  });
  afterEach(async () => db.close());

  it('re-reads a table in chunks while writes stream; the reduced topic equals the table', async () => {
    const d = await start(db, { 'snapshot.mode': 'never', 'incremental.chunk.size': 250 });
    try {
      await untilStreaming(d);
      const writer = await db.connect();
      let writing = true;
      const writes = (async () => {
        for (let n = 0; writing; n++) {
          const id = 1 + ((n * 37) % 3000);
          await writer.query('UPDATE i SET v = v + 1 WHERE id = $1', [id]);
          if (n % 50 === 0) await writer.query('DELETE FROM i WHERE id = $1', [3000 - n]);
        }
      })();
      const accepted = await d.task.signal!({ type: 'execute-snapshot', data: { tables: ['public.i'] } });
      expect(accepted).toMatchObject({ accepted: ['public.i'] });
      const all = await pollUntil(
        d,
        () => (d.task.status()['incremental'] as { running: string | null }).running === null,
      );
      writing = false;
      await writes;
      const expected = new Map(
        (await db.query<{ id: number; v: number }>('SELECT * FROM i')).rows.map((r) => [
          JSON.stringify({ id: r.id }),
          r,
        ]),
      );
      all.push(
        ...(await pollUntil(d, (more) => {
          const m = reduce([...all, ...more], 'test.public.i');
          return m.size === expected.size && [...expected].every(([k, r]) => m.get(k)?.['v'] === r.v);
        })),
      );
      expect(reduce(all, 'test.public.i')).toEqual(expected);
      const rows = incremental(all);
      expect(rows.length).toBeGreaterThan(2000);
      expect(rows.every((r) => value(r).op === 'r')).toBe(true);
      // Chunk rows come in key order and each key at most once.
      const ids = rows.map((r) => (r.key as { id: number }).id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
      expect(d.task.status()['incremental']).toMatchObject({ tables_done: ['public.i'] });
    } finally {
      await d.task.stop();
    }
  });

  it('starts from a row in the signal table (Debezium shape)', async () => {
    await db.query('CREATE TABLE signals (id text PRIMARY KEY, type text, data jsonb)');
    const d = await start(db, {
      tables: ['public.i'],
      'snapshot.mode': 'never',
      'signal.table': 'public.signals',
      'incremental.chunk.size': 1000,
    });
    try {
      await untilStreaming(d);
      await db.query(
        `INSERT INTO signals VALUES ('s1', 'execute-snapshot', '{"data-collections": ["public.i"], "type": "incremental"}')`,
      );
      const all = await pollUntil(d, (got) => incremental(got).length >= 3000);
      expect(incremental(all)).toHaveLength(3000);
      expect(all.some((r) => r.topic.includes('signals'))).toBe(false);
    } finally {
      await d.task.stop();
    }
  });

  it('rejects unknown signals and tables it does not capture', async () => {
    const d = await start(db, { tables: ['public.i'], 'snapshot.mode': 'never' });
    try {
      await untilStreaming(d);
      await expect(d.task.signal!({ type: 'pause' })).rejects.toThrow(ConnectorError);
      await expect(
        d.task.signal!({ type: 'execute-snapshot', data: { tables: ['public.x'] } }),
      ).rejects.toThrow(/not a captured table/);
    } finally {
      await d.task.stop();
    }
  });
});
