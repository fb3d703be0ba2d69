import { Rng, sleep } from '@tributary/testing';
import { waitFor } from '../connect/connect-http';
import {
  BULK,
  CRASH_TABLES,
  LONG,
  ORDERS,
  Workload,
  dropOneStreamedChange,
  phaseOf,
  startCdcEnv,
  summarize,
  topicCount,
  waitForConsistency,
  type CdcEnv,
} from './cdc-harness';

/**
 * postgres-source under crashes, with real processes: the connect worker is SIGKILLed at random points of the
 * initial snapshot (a bulk table read in small pages) and of streaming, and Postgres is crash-restarted
 * (`pg_ctl stop -m immediate`) mid-stream, while four writers commit inserts, updates, deletes, primary-key
 * changes, rolled-back and large transactions. Once the writers stop: every topic reduced to its latest row per
 * key equals its table, and every change committed after the snapshot shows up in its key's order.
 * LONG=1 (npm run test:long): a bigger table, more writers, more kills.
 */

const SEED = 20_251_123;
const BULK_ROWS = LONG ? 300_000 : 50_000;
const SNAPSHOT_KILLS = LONG ? 5 : 2;
const STREAM_KILLS = LONG ? 12 : 4;
const PG_RESTARTS = LONG ? 3 : 1;
/** Kills while a large transaction is being delivered (resuming inside a transaction). */
const MID_TXN_KILLS = LONG ? 3 : 1;
const MID_TXN_ROWS = LONG ? 100_000 : 20_000;
const WRITERS = LONG ? 6 : 4;

jest.setTimeout(LONG ? 1_800_000 : 240_000);

describe('postgres-source: kill -9 of the worker and crash restarts of Postgres', () => {
  let env: CdcEnv | null = null;

  afterEach(async () => {
    await env?.dispose();
    env = null;
  });

  it(`converges to the tables and misses no committed change (seed ${SEED})`, async () => {
    const rng = new Rng(SEED).fork('faults');
    const e = (env = await startCdcEnv({
      connector: { 'snapshot.fetch.size': LONG ? 500 : 200, 'max.batch.size': 500 },
    }));
    const wl = new Workload({ url: e.pg.url, seed: SEED, writers: WRITERS, thinkMs: [2, 30] });
    await wl.createSchema();
    await wl.preload(BULK_ROWS, 25);
    const worker = await e.startWorker();
    wl.start();
    const faults: string[] = [];
    const bulkTopic = e.topic(BULK.name);

    // (a) kills during the initial snapshot, each once a random number of further bulk rows arrived
    let snapshotKills = 0;
    for (let k = 0; k < SNAPSHOT_KILLS; k++) {
      const start = await topicCount(e.admin, bulkTopic);
      const target = start + rng.int(Math.floor(BULK_ROWS * 0.02), Math.floor(BULK_ROWS * 0.3));
      const seen = await waitFor(
        `snapshot progress to ${target} bulk records`,
        async () => ({ n: await topicCount(e.admin, bulkTopic), phase: await phaseOf(e) }),
        (s) => (s.phase === 'snapshot' && s.n >= target) || s.phase === 'streaming',
        90_000,
        50,
      );
      await worker.kill9();
      if (seen.phase === 'snapshot') snapshotKills++;
      faults.push(`kill -9 #${faults.length + 1} in ${seen.phase} at ${seen.n} bulk records`);
      await sleep(rng.int(0, 300));
      await worker.restart();
    }

    await waitFor(
      'the snapshot to finish',
      () => phaseOf(e),
      (p) => p === 'streaming',
      180_000,
      200,
    );

    // (a) kills while streaming, and (b) immediate restarts of Postgres, interleaved at seeded moments
    const plan = [
      ...Array.from({ length: STREAM_KILLS }, () => 'kill' as const),
      ...Array.from({ length: PG_RESTARTS }, () => 'pg' as const),
      ...Array.from({ length: MID_TXN_KILLS }, () => 'txn' as const),
    ];
    for (let i = plan.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [plan[i], plan[j]] = [plan[j]!, plan[i]!];
    }
    for (const fault of plan) {
      await sleep(rng.int(300, 2500));
      const bulkNow = await topicCount(e.admin, bulkTopic);
      if (fault === 'kill') {
        await worker.kill9();
        faults.push(`kill -9 #${faults.length + 1} while streaming (${bulkNow} bulk records)`);
        await sleep(rng.int(0, 300));
        await worker.restart();
      } else if (fault === 'txn') {
        // A transaction of MID_TXN_ROWS rows; kill once a random part of it reached the topic.
        const part = rng.int(Math.floor(MID_TXN_ROWS * 0.1), Math.floor(MID_TXN_ROWS * 0.9));
        await wl.largeInsert(MID_TXN_ROWS);
        const seen = await waitFor(
          `${part} records of the large transaction`,
          () => topicCount(e.admin, bulkTopic),
          (n) => n >= bulkNow + part,
          60_000,
          20,
        );
        await worker.kill9();
        faults.push(
          `kill -9 #${faults.length + 1} inside a ${MID_TXN_ROWS}-row transaction (${seen - bulkNow} bulk records after it began)`,
        );
        await sleep(rng.int(0, 300));
        await worker.restart();
      } else {
        await e.pg.restartImmediate();
        faults.push(`postgres immediate restart #${faults.length + 1} (${bulkNow} bulk records)`);
        await waitFor(
          'streaming again after the Postgres restart',
          () => phaseOf(e),
          (p) => p === 'streaming',
          60_000,
          200,
        );
      }
    }

    await sleep(2000);
    await wl.stop();
    expect(wl.unexpectedErrors).toEqual([]);
    const reports = await waitForConsistency(e, CRASH_TABLES, wl.history, LONG ? 600_000 : 120_000);
    const summary = summarize(reports);
    console.log(
      `cdc crash (seed ${SEED}): ${faults.join('; ')}\nworkload ${JSON.stringify(wl.stats)}\n` +
        reports
          .map(
            (r) => `${r.table}: ${r.events} events, ${r.rows} rows, ${r.history!.required} changes checked`,
          )
          .join('; '),
    );
    const clean = (table: string) => ({
      table,
      missing: 0,
      extra: 0,
      different: 0,
      anomalies: 0,
      historyMissing: 0,
      phantom: 0,
      regressed: 0,
      examples: {},
    });
    expect({ faults, summary }).toEqual({ faults, summary: CRASH_TABLES.map((t) => clean(t.name)) });
    // The history check covered the streamed changes, and it would have noticed one of them missing.
    for (const r of reports) expect(r.history!.required).toBeGreaterThan(0);
    const probe = dropOneStreamedChange(e, ORDERS, wl.history);
    expect(probe).not.toBeNull();
    expect(probe!.missing).toEqual([probe!.dropped]);
    expect(snapshotKills).toBe(SNAPSHOT_KILLS);
    expect(faults.filter((f) => f.startsWith('kill')).length).toBeGreaterThanOrEqual(5);
    expect(wl.stats.largeTxns).toBeGreaterThan(0);
    expect(wl.stats.pkChanges).toBeGreaterThan(0);
    expect(wl.stats.rolledBack).toBeGreaterThan(0);
  });
});
