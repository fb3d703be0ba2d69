import { describeSourceAcceptance } from '@tributary/connect-sdk/acceptance';
import { startPostgres, type PostgresHandle } from '@tributary/testing';
import { postgresSource } from './index';

/**
 * The SDK's source acceptance suite. Each test gets its own temp dir; it maps to its own table and slot here,
 * so a fresh offset store really is a fresh connector (the suite's "input items" are rows).
 */
let pg: PostgresHandle;
const TABLES = 12;
const slots = new Map<string, number>();
const slotOf = (dir: string): number => {
  if (!slots.has(dir)) slots.set(dir, slots.size % TABLES);
  return slots.get(dir)!;
};
let nextRow = 0;

beforeAll(async () => {
  pg = await startPostgres({ settings: { max_replication_slots: 20 } });
  for (let i = 0; i < TABLES; i++) await pg.query(`CREATE TABLE acc_${i} (id int PRIMARY KEY, line text)`);
}, 60_000);
afterAll(async () => pg?.dispose());

describeSourceAcceptance(postgresSource, {
  config: (dir) => ({
    connection: pg?.url ?? 'postgres://localhost/x',
    tables: [`public.acc_${slotOf(dir)}`],
    'topic.prefix': 'acc',
    'slot.name': `acc_${slotOf(dir)}`,
    'publication.name': `acc_${slotOf(dir)}`,
    'heartbeat.interval': 0,
  }),
  writeInput: async (dir, n) => {
    const t = `acc_${slotOf(dir)}`;
    await pg.query(`INSERT INTO ${t} SELECT g, 'row ' || g FROM generate_series($1::int, $2::int) g`, [
      nextRow + 1,
      nextRow + n,
    ]);
    nextRow += n;
  },
  badConfigs: [
    { config: { tables: ['public.t'], 'topic.prefix': 'p' }, expect: /missing required key "connection"/ },
    {
      config: { connection: 'postgres://h/db', tables: [], 'topic.prefix': 'p' },
      expect: /tables|too small|>=1/i,
    },
    {
      config: { connection: 'postgres://h/db', tables: ['orders'], 'topic.prefix': 'p' },
      expect: /schema\.table/,
    },
    {
      config: {
        connection: 'postgres://h/db',
        tables: ['public.t'],
        'topic.prefix': 'p',
        'snapshot.mode': 'always',
      },
      expect: /initial|never|when_needed/,
    },
    {
      config: {
        connection: 'postgres://h/db',
        tables: ['public.t'],
        'topic.prefix': 'p',
        'heartbeat.interval': 'often',
      },
      expect: /not a duration/,
    },
    {
      config: { connection: 'mysql://h/db', tables: ['public.t'], 'topic.prefix': 'p' },
      expect: /postgres:\/\//,
    },
  ],
});
