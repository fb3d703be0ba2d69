import { Rng, failItemsRandomly, failRequests, sleep } from '@tributary/testing';
import { waitFor } from '../connect/connect-http';
import { LONG, Workload, topicCount } from '../cdc/cdc-harness';
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
 * The pipeline of pg-to-search.e2e-spec.ts under faults: the connect worker (source and every sink) is
 * SIGKILLed at seeded random moments while the writers run and restarted each time, one kill lands inside the
 * delivery of a 5k-row transaction, and the ES fake answers 429 for ~10% of bulk items throughout and 503 for
 * whole bulk requests for a few seconds. Afterwards: the same exact equality of Redis hash / json and ES with
 * the tables, exactly one BullMQ job per committed change (redelivered changes are deduplicated by job id),
 * and an empty DLQ: retriable failures must never be treated as poison. LONG=1: more kills, longer run.
 */

const SEED = 20_260_302;
const BULK_ROWS = LONG ? 20_000 : 1_000;
const WRITERS = LONG ? 5 : 2;
const KILLS = LONG ? 15 : 5;
const BIG_TXN_ROWS = 5_000;

jest.setTimeout(LONG ? 1_200_000 : 180_000);

describe('pipeline under kill -9 of the worker and ES 429/503', () => {
  let env: PipelineEnv | null = null;
  let jobs: JobCollector | null = null;

  afterEach(async () => {
    await jobs?.close();
    jobs = null;
    await env?.dispose();
    env = null;
  });

  it(`converges to the tables with one job per change and an empty DLQ (seed ${SEED})`, async () => {
    const rng = new Rng(SEED).fork('faults');
    const e = (env = await startPipelineEnv());
    const wl = new Workload({
      url: e.cdc.pg.url,
      seed: SEED,
      writers: WRITERS,
      thinkMs: [10, 50],
      largeTxnRows: [300, 1500],
      largeTxnChance: 0.02,
    });
    await wl.createSchema();
    await wl.preload(BULK_ROWS, 15);
    const snapshotKeys = historyKeys(wl.history);
    jobs = new JobCollector(e);
    e.es.inject({ itemStatus: failItemsRandomly(0.1, { seed: SEED }) });
    const worker = await e.cdc.startWorker();
    // Kills start after the snapshot: a resumed snapshot re-reads rows at a new position (new r jobs).
    await untilStreaming(e);
    wl.start();

    const faults: string[] = [];
    const bigAt = rng.int(1, KILLS - 1);
    // Early, and never turned off: failRequests exhausts itself, so the 503s are served whatever the timing.
    const esOutageAt = rng.int(0, 2);
    const edge = new Map<string, number>();
    for (let k = 0; k < KILLS; k++) {
      if (k === esOutageAt) {
        e.es.inject({
          itemStatus: failItemsRandomly(0.1, { seed: SEED + 1 }),
          requestStatus: failRequests(rng.int(3, 6)),
        });
        faults.push('ES 503 period');
      }
      if (k === bigAt) {
        // Kill inside the delivery of the big transaction: some of its records are in the topic, not all.
        const topic = e.cdc.topic('bulk');
        const before = await topicCount(e.cdc.admin, topic);
        await wl.largeInsert(BIG_TXN_ROWS);
        const part = rng.int(500, BIG_TXN_ROWS - 500);
        const seen = await waitFor(
          `${part} records of the big transaction`,
          () => topicCount(e.cdc.admin, topic),
          (n) => n >= before + part,
          60_000,
          20,
        );
        await worker.kill9();
        faults.push(`kill -9 inside a ${BIG_TXN_ROWS}-row txn (+${seen - before} bulk records)`);
      } else {
        await sleep(rng.int(300, 2000));
        await worker.kill9();
        faults.push(`kill -9 #${k + 1}`);
      }
      if (k === 1) for (const [key, n] of await edgeTransactions(e)) edge.set(key, n);
      await sleep(rng.int(0, 500));
      await worker.restart();
    }
    await sleep(1000);
    await wl.stop();
    expect(wl.unexpectedErrors).toEqual([]);

    const c = jobs;
    const { want, problems } = await settle(e, c, wl.history, snapshotKeys, edge, LONG ? 600_000 : 90_000);
    const statuses = new Map<string, number>();
    for (const r of e.es.requests)
      statuses.set(`${r.path} ${r.status}`, (statuses.get(`${r.path} ${r.status}`) ?? 0) + 1);
    const retried = e.es.requests.filter((r) => r.path.endsWith('/_bulk') && r.status === 503).length;
    console.log(
      `pipeline chaos (seed ${SEED}): ${faults.join('; ')}; ES 503 answers ${retried} ${JSON.stringify([...statuses])}; workload ${JSON.stringify(
        wl.stats,
      )}; jobs ${c.received} (want ${sum(want)})`,
    );
    expect(problems).toEqual({ targets: [], jobs: [], duplicateJobIds: [], dlq: 0, unhealthy: [] });
    expect(c.received).toBe(sum(want));
    expect(faults.filter((f) => f.startsWith('kill')).length).toBeGreaterThanOrEqual(5);
    expect(retried).toBeGreaterThan(0);
    expect(wl.stats.largeTxns).toBeGreaterThan(0);
    expect(wl.stats.pkChanges).toBeGreaterThan(0);
  });
});
