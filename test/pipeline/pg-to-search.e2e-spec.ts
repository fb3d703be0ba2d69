import { LONG, Workload } from '../cdc/cdc-harness';
import {
  JobCollector,
  edgeTransactions,
  historyKeys,
  settle,
  startPipelineEnv,
  sum,
  untilStreaming,
  type PipelineEnv,
} from './pipeline-harness';

/**
 * Postgres -> postgres-source -> broker -> redis-sink (hash, json, bullmq) and elasticsearch-sink (ES fake), all
 * in one pipeline file run by the connect worker as a real process. Writers commit inserts, updates, deletes,
 * primary-key changes, rolled-back and large transactions (one of 5k rows) over the captured tables; once they
 * stop and the pipeline caught up, every Redis hash, every Redis JSON value and every ES document equals its
 * table row (and no deleted row is left anywhere), and a BullMQ Worker got exactly one job per committed change
 * (snapshot reads included), checked per (table, key, op). LONG=1: more rows, writers and time.
 */

const SEED = 20_260_301;
const BULK_ROWS = LONG ? 50_000 : 3_000;
const SMALL_ROWS = LONG ? 50 : 20;
const WRITERS = LONG ? 6 : 3;
const RUN_MS = LONG ? 90_000 : 12_000;
const BIG_TXN_ROWS = 5_000;

jest.setTimeout(LONG ? 900_000 : 180_000);

describe('pipeline: Postgres -> Redis (hash, json, bullmq) and Elasticsearch', () => {
  let env: PipelineEnv | null = null;
  let jobs: JobCollector | null = null;

  afterEach(async () => {
    await jobs?.close();
    jobs = null;
    await env?.dispose();
    env = null;
  });

  it(`every target equals the tables, one job per change (seed ${SEED})`, async () => {
    const e = (env = await startPipelineEnv());
    const wl = new Workload({
      url: e.cdc.pg.url,
      seed: SEED,
      writers: WRITERS,
      thinkMs: [2, 25],
      largeTxnRows: [500, 2000],
      largeTxnChance: 0.02,
    });
    await wl.createSchema();
    await wl.preload(BULK_ROWS, SMALL_ROWS);
    const snapshotKeys = historyKeys(wl.history);
    jobs = new JobCollector(e);
    await e.cdc.startWorker();
    // Writers start once the snapshot is done, so what it read is exactly the preloaded rows (one r job each).
    await untilStreaming(e);
    wl.start();
    await new Promise((r) => setTimeout(r, RUN_MS / 2));
    await wl.largeInsert(BIG_TXN_ROWS);
    const edge = await edgeTransactions(e);
    await new Promise((r) => setTimeout(r, RUN_MS / 2));
    await wl.stop();
    expect(wl.unexpectedErrors).toEqual([]);

    const c = jobs;
    const { diffs, want, problems } = await settle(
      e,
      c,
      wl.history,
      snapshotKeys,
      edge,
      LONG ? 300_000 : 60_000,
    );
    console.log(
      `pipeline (seed ${SEED}): workload ${JSON.stringify(wl.stats)}; rows ${diffs
        .filter((d) => d.target === 'hash')
        .map((d) => `${d.table} ${d.rows}`)
        .join(', ')}; jobs ${c.received} (want ${sum(want)})`,
    );
    expect(problems).toEqual({ targets: [], jobs: [], duplicateJobIds: [], dlq: 0, unhealthy: [] });
    expect(c.received).toBe(sum(want));
    // The workload exercised what it should.
    expect(wl.stats.largeTxns).toBeGreaterThan(0);
    expect(wl.stats.pkChanges).toBeGreaterThan(0);
    expect([...want.keys()].some((k) => k.endsWith('|d'))).toBe(true);
  });
});
