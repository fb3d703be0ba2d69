import { existsSync } from 'node:fs';
import { startPostgres, type PostgresHandle } from './postgres-process';

/** Is a process with this pid still alive (signal 0 only checks)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startPostgres', () => {
  let pg: PostgresHandle | undefined;

  afterAll(async () => {
    await pg?.dispose();
  });

  it('runs a logical-decoding-ready server whose slots survive an immediate restart, and disposes cleanly', async () => {
    pg = await startPostgres();
    expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/postgres`);
    expect(existsSync(pg.dataDir)).toBe(true);

    const wal = await pg.query<{ wal_level: string }>('SHOW wal_level');
    expect(wal.rows[0]?.wal_level).toBe('logical');

    await pg.query('CREATE TABLE items (id int PRIMARY KEY, name text)');
    await pg.query('INSERT INTO items VALUES ($1, $2)', [1, 'one']);
    await pg.query("SELECT pg_create_logical_replication_slot('s', 'pgoutput')");

    const before = pg.pid;
    await pg.restartImmediate();
    expect(pg.pid).not.toBe(before);
    expect(alive(before)).toBe(false);

    // The slot is persisted on creation, so crash recovery keeps it; the committed row too.
    const slots = await pg.query<{ slot_name: string; plugin: string; slot_type: string }>(
      'SELECT slot_name, plugin, slot_type FROM pg_replication_slots',
    );
    expect(slots.rows).toEqual([{ slot_name: 's', plugin: 'pgoutput', slot_type: 'logical' }]);
    const items = await pg.query<{ name: string }>('SELECT name FROM items WHERE id = $1', [1]);
    expect(items.rows).toEqual([{ name: 'one' }]);

    const { pid, dataDir } = pg;
    await pg.dispose();
    expect(alive(pid)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
    await pg.dispose(); // idempotent
  }, 120_000);
});
