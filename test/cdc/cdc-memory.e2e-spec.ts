import { waitFor } from '../connect/connect-http';
import {
  LONG,
  RssSampler,
  TopicTail,
  mb,
  phaseOf,
  startCdcEnv,
  topicCount,
  type CdcEnv,
} from './cdc-harness';

/**
 * postgres-source memory: an initial snapshot of ROWS rows and then one transaction of ROWS rows go through the
 * worker while its RSS is sampled every 200 ms; it must stay under 300 MB and every row must arrive.
 * CI: 200k rows; LONG=1 (npm run test:long): 1M rows.
 */

const ROWS = LONG ? 1_000_000 : 200_000;
const RSS_LIMIT = 300 * 1024 * 1024;
const DEADLINE_MS = LONG ? 1_200_000 : 240_000;

jest.setTimeout(LONG ? 1_800_000 : 300_000);

/** ~250 bytes per row: a 200-character payload, a numeric, a timestamp. */
function fillSql(table: string): string {
  return `INSERT INTO public.${table} (id, payload, amount, at)
            SELECT g, repeat(md5(g::text), 6) || 'ü', (g * 1.25)::numeric(14,2), timestamptz '2024-01-01' + g * interval '1 second'
            FROM generate_series(1, ${ROWS}) g`;
}

/** Reads the whole topic without holding it: every id 1..ROWS exactly once per op, and nothing else. */
async function expectAllRows(env: CdcEnv, table: string, op: string): Promise<void> {
  const seen = new Uint8Array(ROWS + 1);
  let events = 0;
  let duplicates = 0;
  const wrong: string[] = [];
  const tail = new TopicTail(env.kafka, env.admin, env.topic(table), false);
  await tail.refresh((e) => {
    events++;
    const id = (e.key as { id?: unknown } | null)?.id;
    const after = e.value?.after;
    if (
      typeof id !== 'number' ||
      id < 1 ||
      id > ROWS ||
      e.value?.op !== op ||
      after?.['id'] !== id ||
      after['payload'] === undefined
    ) {
      if (wrong.length < 3) wrong.push(JSON.stringify(e).slice(0, 300));
      return;
    }
    if (seen[id]) duplicates++;
    seen[id] = 1;
  });
  const missing = seen.reduce((n, v, i) => (i > 0 && v === 0 ? n + 1 : n), 0);
  expect({ table, events, missing, duplicates, wrong }).toEqual({
    table,
    events: ROWS,
    missing: 0,
    duplicates: 0,
    wrong: [],
  });
}

describe(`postgres-source memory: ${ROWS} rows by snapshot and in one transaction`, () => {
  let env: CdcEnv;
  let sampler: RssSampler;
  const figures: string[] = [];

  beforeAll(async () => {
    env = await startCdcEnv();
    for (const t of ['snap_big', 'txn_big'])
      await env.pg.query(
        `CREATE TABLE public.${t} (id integer PRIMARY KEY, payload text NOT NULL, amount numeric(14,2), at timestamptz)`,
      );
    await env.pg.query(fillSql('snap_big'));
    const worker = await env.startWorker();
    sampler = new RssSampler(worker, 200);
  });

  afterAll(async () => {
    sampler?.stop();
    console.log(`cdc memory, ${ROWS} rows: ${figures.join('; ')}`);
    await env?.dispose();
  });

  it('an initial snapshot delivers every row with the worker under 300 MB RSS', async () => {
    const topic = env.topic('snap_big');
    await waitFor(
      `${ROWS} snapshot records`,
      () => topicCount(env.admin, topic),
      (n) => n >= ROWS,
      DEADLINE_MS,
      500,
    );
    await waitFor(
      'streaming after the snapshot',
      () => phaseOf(env),
      (p) => p === 'streaming',
      60_000,
      200,
    );
    sampler.sample();
    figures.push(`snapshot max RSS ${mb(sampler.max)} over ${sampler.samples} samples`);
    expect(sampler.samples).toBeGreaterThan(0);
    // Completeness first: an RSS failure should not hide whether the rows arrived.
    await expectAllRows(env, 'snap_big', 'r');
    expect(sampler.max).toBeLessThan(RSS_LIMIT);
  });

  it('one transaction delivers every row with the worker under 300 MB RSS', async () => {
    sampler.reset();
    await env.pg.query(fillSql('txn_big'));
    await waitFor(
      `${ROWS} records of the transaction`,
      () => topicCount(env.admin, env.topic('txn_big')),
      (n) => n >= ROWS,
      DEADLINE_MS,
      500,
    );
    sampler.sample();
    figures.push(`transaction max RSS ${mb(sampler.max)} over ${sampler.samples} samples`);
    expect(sampler.samples).toBeGreaterThan(0);
    // Completeness first: an RSS failure should not hide whether the rows arrived.
    await expectAllRows(env, 'txn_big', 'c');
    expect(sampler.max).toBeLessThan(RSS_LIMIT);
  });
});
