/**
 * What CDC through postgres-source costs: a private Postgres, one broker and the connect worker as a process.
 * Prints min / median / max over runs, with the worker's peak RSS next to each figure:
 *  - snapshot: an initial_only snapshot of SNAPSHOT_ROWS rows, from the first row reaching the topic to the last,
 *    and from worker start until the topic holds them all;
 *  - streaming: a burst of BURST single-row transactions from 8 clients (asynchronous commit) while the
 *    connector runs (bounded by how fast the clients commit); a backlog of BACKLOG such transactions committed
 *    while the worker is stopped, drained after it starts again (the connector's own rate); and LARGE_TXNS
 *    transactions of LARGE_ROWS rows each, from the first statement until the topic holds every change;
 *  - latency: RATE single-row commits per second (4 clients, synchronous commit) for SECONDS s; per change, the
 *    time from the client seeing its COMMIT acknowledged to a kafkajs consumer in the same process receiving
 *    the record (median, p99, max).
 * Not a test.
 *   npm run bench:cdc   (BENCH_SNAPSHOT_ROWS, BENCH_BURST, BENCH_BACKLOG, BENCH_LARGE_TXNS, BENCH_LARGE_ROWS,
 *                        BENCH_RATE, BENCH_SECONDS, BENCH_REPEATS to change)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Client } from 'pg';
import { stringify } from 'yaml';
import {
  makeTempDir,
  removeDir,
  sleep,
  startBroker,
  startConnectWorkerProcess,
  startPostgres,
  type ConnectWorkerHandle,
} from '@tributary/testing';
import { fail, stats } from './bench-tools';
import { percentiles, summarize, type Measurement } from './harness/measurement';

const SNAPSHOT_ROWS = Number(process.env.BENCH_SNAPSHOT_ROWS ?? 200_000);
const BURST = Number(process.env.BENCH_BURST ?? 20_000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 60_000);
const LARGE_TXNS = Number(process.env.BENCH_LARGE_TXNS ?? 3);
const LARGE_ROWS = Number(process.env.BENCH_LARGE_ROWS ?? 50_000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const DEFAULT_REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const BURST_CLIENTS = 8;

const ROW_SQL = `repeat(md5(g::text), 3), (g * 1.25)::numeric(14,2), now()`;

/** Peak RSS of a process, sampled every 200 ms between start and stop. */
function rssPeak(proc: { rssBytes(): number | null }): () => number {
  let max = proc.rssBytes() ?? 0;
  const t = setInterval(() => (max = Math.max(max, proc.rssBytes() ?? 0)), 200);
  return () => {
    clearInterval(t);
    return Math.max(max, proc.rssBytes() ?? 0);
  };
}

async function topicCount(admin: Admin, topic: string): Promise<number> {
  if (!(await admin.listTopics()).includes(topic)) return 0;
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
}

/**
 * Polls until the topic holds at least `n` records; returns when (performance.now) that was first seen and the
 * count then. A timeout names the topic and its count: look at the connect worker's log for the cause.
 */
async function reachCount(
  admin: Admin,
  topic: string,
  n: number,
  timeoutMs = 600_000,
): Promise<{ at: number; count: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await topicCount(admin, topic);
    if (count >= n) return { at: performance.now(), count };
    if (Date.now() > deadline)
      throw new Error(`${topic} holds ${count} records after ${timeoutMs / 1000} s, expected ${n}`);
    await sleep(10);
  }
}

/** When the topic first holds `n` records (performance.now). */
async function waitCount(admin: Admin, topic: string, n: number): Promise<number> {
  return (await reachCount(admin, topic, n)).at;
}

/** `n` single-row transactions with ids from `first`, spread over the clients. */
async function insertRows(clients: Client[], first: number, n: number): Promise<void> {
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = first + k; i < first + n; i += clients.length)
        await c.query(`INSERT INTO burst SELECT g, ${ROW_SQL} FROM (SELECT $1::int AS g) s`, [i]);
    }),
  );
}

async function phase(worker: ConnectWorkerHandle, name: string): Promise<string | null> {
  try {
    const res = await fetch(`${worker.url}/connectors/${name}/status`);
    const body = (await res.json()) as { tasks?: { details?: { phase?: string } }[] };
    return body.tasks?.[0]?.details?.phase ?? null;
  } catch {
    return null;
  }
}

async function waitPhase(worker: ConnectWorkerHandle, name: string, want: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await phase(worker, name)) !== want) {
    if (Date.now() > deadline) throw new Error(`connector ${name} never reached phase ${want}`);
    await sleep(100);
  }
}

function pipeline(dir: string, name: string, config: Record<string, unknown>): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify({ connectors: [{ name, type: 'postgres-source', config }] }));
  return path;
}

const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MB`;
const ms = (v: number): string => `${v.toFixed(1)} ms`;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Runs the CDC workloads and returns their figures (with the worker's peak RSS); `log` gets the human table.
 * `npm run bench` calls this next to the broker scenarios.
 */
export async function cdcScenario(
  REPEATS = DEFAULT_REPEATS,
  log: (text: string) => void = (t) => process.stdout.write(t),
): Promise<Measurement[]> {
  const out: Measurement[] = [];
  const work = makeTempDir('tributary-cdc-bench-');
  const pg = await startPostgres({ settings: { max_wal_size: '2GB' } });
  const broker = await startBroker({ config: { 'num.partitions': 1 } });
  const kafka = new Kafka({ clientId: 'cdc-bench', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const rows: string[] = [];
  const base = {
    connection: pg.url,
    'heartbeat.interval': '1s',
  };
  let worker: ConnectWorkerHandle | null = null;
  try {
    await pg.query(
      `CREATE TABLE snap (id integer PRIMARY KEY, payload text, amount numeric(14,2), at timestamptz);
       CREATE TABLE burst (id integer PRIMARY KEY, payload text, amount numeric(14,2), at timestamptz);
       CREATE TABLE large (id integer PRIMARY KEY, payload text, amount numeric(14,2), at timestamptz);
       CREATE TABLE lat (seq integer PRIMARY KEY, payload text)`,
    );
    await pg.query(`INSERT INTO snap SELECT g, ${ROW_SQL} FROM generate_series(1, ${SNAPSHOT_ROWS}) g`);

    // Snapshot: a fresh connector (own name, prefix, offsets) per run; initial_only creates no slot. The rate is
    // timed from the first row reaching the topic to the last (the backlog below is timed the same way); the
    // worker's start (process, connections, the snapshot transaction) is reported next to it.
    const snap: number[] = [];
    const snapWithStart: number[] = [];
    let snapRss = 0;
    for (let r = 0; r < REPEATS; r++) {
      const name = `snap${r}`;
      const path = pipeline(work, name, {
        ...base,
        tables: ['public.snap'],
        'topic.prefix': name,
        'slot.name': `bench_snap_${r}`,
        'publication.name': `bench_snap_${r}`,
        'snapshot.mode': 'initial_only',
      });
      const started = performance.now();
      worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [path] });
      const peak = rssPeak(worker);
      const first = await reachCount(admin, `${name}.public.snap`, 1);
      const done = await waitCount(admin, `${name}.public.snap`, SNAPSHOT_ROWS);
      snapRss = Math.max(snapRss, peak());
      snap.push((SNAPSHOT_ROWS - first.count) / ((done - first.at) / 1000));
      snapWithStart.push(SNAPSHOT_ROWS / ((done - started) / 1000));
      await worker.dispose();
      worker = null;
    }
    rows.push(
      `| snapshot, ${SNAPSHOT_ROWS} rows (first row in the topic to the last) | ${stats(snap)} rows/s | ${mb(snapRss)} |`,
    );
    rows.push(`| the same, worker start included | ${stats(snapWithStart)} rows/s | ${mb(snapRss)} |`);
    out.push({
      scenario: 'cdc snapshot',
      system: 'tributary',
      client: 'postgres-source',
      size: null,
      metric: 'rows/s',
      samples: snap,
      rssMb: [snapRss / 1048576],
      note: `${SNAPSHOT_ROWS} rows, from the first row in the topic to the last; RSS of the connect worker`,
    });
    out.push({
      scenario: 'cdc snapshot incl. worker start',
      system: 'tributary',
      client: 'postgres-source',
      size: null,
      metric: 'rows/s',
      samples: snapWithStart,
      rssMb: [snapRss / 1048576],
      note: `${SNAPSHOT_ROWS} rows, from starting the worker process until the topic holds them all`,
    });

    // Streaming: one connector on burst, large and lat.
    const path = pipeline(work, 'stream', {
      ...base,
      tables: ['public.burst', 'public.large', 'public.lat'],
      'topic.prefix': 'stream',
      'slot.name': 'bench_stream',
      'publication.name': 'bench_stream',
      'snapshot.mode': 'never',
    });
    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [path] });
    const w = worker;
    await waitPhase(w, 'stream', 'streaming');

    const connect = async (asyncCommit: boolean): Promise<Client> => {
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      // The burst measures the connector, not fsync: its clients do not wait for their commits to be flushed
      // (the walsender still only decodes flushed WAL; the WAL writer flushes at least every 200 ms).
      if (asyncCommit) await c.query('SET synchronous_commit = off');
      return c;
    };
    const clients = await Promise.all(Array.from({ length: BURST_CLIENTS }, () => connect(true)));
    const latencyClients = await Promise.all(Array.from({ length: 4 }, () => connect(false)));
    clients.push(...latencyClients);
    try {
      const burst: number[] = [];
      const commitRates: number[] = [];
      let burstRss = 0;
      for (let r = 0; r < REPEATS; r++) {
        const peak = rssPeak(w);
        const first = r * BURST;
        const t0 = performance.now();
        await insertRows(clients.slice(0, BURST_CLIENTS), first, BURST);
        const committed = performance.now();
        const done = await waitCount(admin, 'stream.public.burst', first + BURST);
        burstRss = Math.max(burstRss, peak());
        burst.push(BURST / ((done - t0) / 1000));
        commitRates.push(BURST / ((committed - t0) / 1000));
      }
      out.push({
        scenario: 'cdc streaming, live burst',
        system: 'tributary',
        client: 'postgres-source',
        size: null,
        metric: 'changes/s',
        samples: burst,
        rssMb: [burstRss / 1048576],
        note: `${BURST} single-row transactions from ${BURST_CLIENTS} clients while the connector runs; bounded by the clients, which commit at ${Math.round(summarize(commitRates).median)}/s`,
      });
      rows.push(
        `| burst of ${BURST} single-row transactions (${BURST_CLIENTS} clients, asynchronous commit; they commit at ${stats(commitRates)}/s) | ${stats(burst)} changes/s | ${mb(burstRss)} |`,
      );

      // Backlog: the same single-row transactions commit while the worker is stopped, then it starts again and
      // drains them. Timed from the first change reaching the topic to the last (worker start excluded), this is
      // what the connector can stream; the live burst above only shows it keeps up with its clients.
      const backlog: number[] = [];
      let backlogRss = 0;
      for (let r = 0; r < REPEATS; r++) {
        await w.stop();
        const first = REPEATS * BURST + r * BACKLOG;
        await insertRows(clients.slice(0, BURST_CLIENTS), first, BACKLOG);
        await w.restart();
        const peak = rssPeak(w);
        const start = await reachCount(admin, 'stream.public.burst', first + 1, 120_000);
        const done = await waitCount(admin, 'stream.public.burst', first + BACKLOG);
        backlogRss = Math.max(backlogRss, peak());
        backlog.push((first + BACKLOG - start.count) / ((done - start.at) / 1000));
      }
      out.push({
        scenario: 'cdc streaming',
        system: 'tributary',
        client: 'postgres-source',
        size: null,
        metric: 'changes/s',
        samples: backlog,
        rssMb: [backlogRss / 1048576],
        note: `a WAL backlog of ${BACKLOG} single-row transactions (committed while the worker was stopped), from the first change in the topic to the last`,
      });
      rows.push(
        `| backlog of ${BACKLOG} single-row transactions, drained after a worker restart | ${stats(backlog)} changes/s | ${mb(backlogRss)} |`,
      );

      const large: number[] = [];
      let largeRss = 0;
      for (let r = 0; r < REPEATS; r++) {
        const peak = rssPeak(w);
        const first = r * LARGE_TXNS * LARGE_ROWS;
        const t0 = performance.now();
        for (let t = 0; t < LARGE_TXNS; t++) {
          const lo = first + t * LARGE_ROWS;
          await clients[0]!.query(
            `INSERT INTO large SELECT g, ${ROW_SQL} FROM generate_series(${lo}, ${lo + LARGE_ROWS - 1}) g`,
          );
        }
        const done = await waitCount(admin, 'stream.public.large', first + LARGE_TXNS * LARGE_ROWS);
        largeRss = Math.max(largeRss, peak());
        large.push((LARGE_TXNS * LARGE_ROWS) / ((done - t0) / 1000));
      }
      rows.push(
        `| ${LARGE_TXNS} transactions of ${LARGE_ROWS} rows | ${stats(large)} changes/s | ${mb(largeRss)} |`,
      );
      out.push({
        scenario: 'cdc streaming large transactions',
        system: 'tributary',
        client: 'postgres-source',
        size: null,
        metric: 'changes/s',
        samples: large,
        rssMb: [largeRss / 1048576],
        note: `${LARGE_TXNS} transactions of ${LARGE_ROWS} rows`,
      });

      const lat = await latency(kafka, w, latencyClients);
      rows.push(lat.row);
      for (const [metric, v] of [
        ['p50 ms', lat.p.p50],
        ['p99 ms', lat.p.p99],
        ['p999 ms', lat.p.p999],
      ] as const) {
        out.push({
          scenario: `commit->topic latency ${RATE / 1000}k/s`,
          system: 'tributary',
          client: 'postgres-source + kafkajs',
          size: null,
          metric,
          samples: [v],
          rssMb: [lat.rss / 1048576],
          note: `${RATE} single-row commits/s for ${SECONDS} s, from COMMIT acknowledged to a consumer receiving the change`,
        });
      }
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    }
  } finally {
    await admin.disconnect();
    await worker?.dispose();
    await broker.dispose();
    await pg.dispose();
    removeDir(work);
  }
  log(
    `\npostgres-source -> 1 Tributary broker (1 partition per topic), all on loopback; ${REPEATS} runs, min / median / max\n` +
      '| workload | throughput | worker RSS max |\n|---|---|---|\n' +
      rows.join('\n') +
      '\n',
  );
  return out;
}

/** RATE commits/s for SECONDS s, each timed from its COMMIT acknowledgement to the consumer receiving it. */
async function latency(
  kafka: Kafka,
  w: ConnectWorkerHandle,
  clients: Client[],
): Promise<{ row: string; p: ReturnType<typeof percentiles>; rss: number }> {
  const committedAt = new Map<number, number>();
  // Records the consumer saw before the client's COMMIT callback ran (the same event loop serves both).
  const arrivedFirst = new Set<number>();
  const latencies: number[] = [];
  const topic = 'stream.public.lat';
  // The topic has to exist before the consumer subscribes: one warm-up row.
  await clients[0]!.query('INSERT INTO lat VALUES (0, $1)', ['warm-up']);
  const admin = kafka.admin();
  await admin.connect();
  await waitCount(admin, topic, 1);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: 'cdc-bench-latency', maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const total = RATE * SECONDS;
  let received = 0;
  await consumer.run({
    eachMessage: async ({ message }) => {
      const now = performance.now();
      if (!message.value) return;
      const v = JSON.parse(message.value.toString()) as { after?: { seq?: number } };
      const seq = v.after?.seq;
      if (typeof seq !== 'number' || seq === 0) return;
      const c = committedAt.get(seq);
      if (c === undefined) {
        arrivedFirst.add(seq);
        return;
      }
      committedAt.delete(seq);
      latencies.push(now - c);
      received++;
    },
  });
  await sleep(2000); // joined and fetching
  const peak = rssPeak(w);
  const start = performance.now();
  // One chain per client: each runs its inserts one after the other (a pg client does not pipeline).
  const chains: Promise<unknown>[] = clients.map(() => Promise.resolve());
  let seq = 1;
  // Every 10 ms, issue what the schedule says is due, spread over the clients.
  while (seq <= total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE));
    for (; seq <= due; seq++) {
      const s = seq;
      const k = s % clients.length;
      chains[k] = chains[k]!.then(async () => {
        await clients[k]!.query('INSERT INTO lat VALUES ($1, $2)', [s, 'x'.repeat(100)]);
        if (arrivedFirst.delete(s)) {
          latencies.push(0);
          received++;
        } else committedAt.set(s, performance.now());
      });
    }
    await sleep(10);
  }
  await Promise.all(chains);
  const achieved = total / ((performance.now() - start) / 1000);
  const deadline = Date.now() + 60_000;
  while (received < total && Date.now() < deadline) await sleep(100);
  const rss = peak();
  await consumer.disconnect();
  const sorted = [...latencies].sort((a, b) => a - b);
  const row =
    `| steady ${RATE} single-row commits/s for ${SECONDS} s (achieved ${achieved.toFixed(0)}/s), ` +
    `${received}/${total} timed | commit -> consumer: median ${ms(quantile(sorted, 0.5))}, p99 ${ms(quantile(sorted, 0.99))}, max ${ms(sorted[sorted.length - 1] ?? 0)} | ${mb(rss)} |`;
  return { row, p: percentiles(latencies), rss };
}

if (require.main === module) cdcScenario().then(() => undefined, fail);
