import { InMemoryOffsetStore } from '@tributary/connect-sdk/acceptance';
import { ConnectorError } from '@tributary/connect-sdk';
import { startPostgres, type PostgresHandle } from '@tributary/testing';
import { freshDb, start, untilStreaming, type TestDb } from './test-support';

jest.setTimeout(180_000);

const failure = async (p: Promise<unknown>): Promise<Error> => {
  try {
    const d = (await p) as { task: { stop(): Promise<void> } };
    await d.task.stop();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the task to fail');
};

describe('postgres-source errors', () => {
  let pg: PostgresHandle;
  let db: TestDb;
  beforeAll(async () => {
    // A tiny max_slot_wal_keep_size lets a test lose a slot on purpose.
    pg = await startPostgres({ settings: { max_slot_wal_keep_size: "'1MB'", wal_keep_size: 0 } });
  });
  afterAll(async () => pg?.dispose());
  beforeEach(async () => {
    db = await freshDb(pg);
    await db.query('CREATE TABLE t (id int PRIMARY KEY)');
  });
  afterEach(async () => db.close());

  it('names a missing table', async () => {
    const e = await failure(start(db, { tables: ['public.t', 'public.nope'] }));
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e.message).toMatch(/table "public.nope" does not exist/);
    const g = await failure(start(db, { tables: ['other.*'] }));
    expect(g.message).toMatch(/pattern "other.\*" matches no table/);
  });

  it('asks for the REPLICATION attribute, and for SELECT on the tables it cannot read', async () => {
    await db.query('CREATE ROLE plain LOGIN');
    const url = (u: string) => db.url.replace('postgres@', `${u}@`);
    const e = await failure(start({ ...db, url: url('plain') }));
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e.message).toMatch(/lacks the REPLICATION attribute.*ALTER ROLE "plain" WITH REPLICATION/);
    await db.query('CREATE ROLE repl LOGIN REPLICATION');
    const s = await failure(start({ ...db, url: url('repl') }));
    expect(s.message).toMatch(/no SELECT privilege on public.t.*GRANT SELECT ON public.t TO "repl"/);
    await db.query('DROP ROLE plain; DROP ROLE repl').catch(() => undefined);
  });

  it('says the slot is in use, by which pid, and how to end it', async () => {
    const a = await start(db, { 'snapshot.mode': 'never' });
    try {
      await untilStreaming(a);
      const pid = (
        await db.query<{ pid: number }>(
          'SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1',
          [db.name],
        )
      ).rows[0]?.pid;
      const e = await failure(start(db, { 'snapshot.mode': 'never' }));
      expect(e).toBeInstanceOf(ConnectorError);
      expect(e.message).toContain(`in use by another process (active_pid ${pid})`);
      expect(e.message).toContain(`pg_terminate_backend(${pid})`);
    } finally {
      await a.task.stop();
    }
  });

  it('refuses a lost slot unless snapshot.mode is when_needed, which re-snapshots', async () => {
    await db.query('INSERT INTO t VALUES (1)');
    const offsets = new InMemoryOffsetStore();
    const a = await start(db, { 'snapshot.mode': 'initial' }, offsets);
    const rows = [];
    while (rows.length < 1) rows.push(...(await a.poll()));
    await a.ack(rows);
    await a.task.stop();
    // Push WAL past max_slot_wal_keep_size and checkpoint: Postgres invalidates the slot.
    for (let i = 0; i < 4; i++) {
      await db.query(
        'INSERT INTO t SELECT g FROM generate_series(1000 * ($1::int + 1), 1000 * ($1::int + 1) + 500) g',
        [i],
      );
      await db.query('SELECT pg_switch_wal()');
    }
    await db.query('CHECKPOINT');
    const status = await db.query<{ s: string }>(
      'SELECT wal_status AS s FROM pg_replication_slots WHERE slot_name = $1',
      [db.name],
    );
    expect(status.rows[0]?.s).toBe('lost');
    const e = await failure(start(db, { 'snapshot.mode': 'initial' }, offsets));
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e.message).toMatch(/is lost.*when_needed/);

    const b = await start(db, { 'snapshot.mode': 'when_needed' }, offsets);
    try {
      const got = [];
      const deadline = Date.now() + 20_000;
      while (got.length < 2005 && Date.now() < deadline) got.push(...(await b.poll()));
      expect(got).toHaveLength(2005);
      expect(got.every((r) => (r.value as { op: string }).op === 'r')).toBe(true);
    } finally {
      await b.task.stop();
    }
  });

  it('refuses a missing slot when offsets say it streamed before', async () => {
    const offsets = new InMemoryOffsetStore();
    offsets.ack([
      {
        topic: 'x',
        value: null,
        sourcePartition: { server: 'test' },
        sourceOffset: { lsn: 100, flush: 101 },
      },
    ]);
    const e = await failure(start(db, {}, offsets));
    expect(e.message).toMatch(/does not exist, but stored offsets say this connector streamed before/);
  });

  it('explains wal_level', async () => {
    const replica = await startPostgres({
      settings: { wal_level: 'replica', max_wal_senders: 0, max_replication_slots: 0 },
    });
    try {
      const other = await freshDb(replica);
      const e = await failure(start(other));
      expect(e).toBeInstanceOf(ConnectorError);
      expect(e.message).toMatch(/wal_level=replica.*ALTER SYSTEM SET wal_level = logical;.*restart Postgres/);
      await other.close();
    } finally {
      await replica.dispose();
    }
  });
});
