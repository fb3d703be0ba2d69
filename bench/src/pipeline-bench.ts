/**
 * What a change costs end to end, Postgres commit -> postgres-source -> broker -> redis-sink (hash mode): a
 * private Postgres, one broker, a private Redis and the connect worker as a process running one pipeline file.
 * Prints, with the worker's peak RSS next to each figure:
 *  - burst: BURST single-row insert transactions from 8 clients, from the first statement until Redis has
 *    written every key (changes/s), over REPEATS runs (min / median / max);
 *  - latency: RATE single-row commits per second for SECONDS s; per change, the time from the client seeing its
 *    commit acknowledged (the autocommit INSERT returning) to Redis announcing the HSET of its key
 *    (keyspace notifications, `notify-keyspace-events Kh`, to a subscriber in this process): p50 / p99 / max.
 * Not a test.
 *   npm run bench:pipeline   (BENCH_BURST, BENCH_RATE, BENCH_SECONDS, BENCH_REPEATS to change)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { stringify } from 'yaml';
import {
  makeTempDir,
  removeDir,
  sleep,
  startBroker,
  startConnectWorkerProcess,
  startPostgres,
  startRedis,
  type ConnectWorkerHandle,
} from '@tributary/testing';
import { fail } from './bench-tools';
import { percentiles, type Measurement } from './harness/measurement';

const BURST = Number(process.env.BENCH_BURST ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const DEFAULT_REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const CLIENTS = 8;
const KEY_PREFIX = 'b:';

/** Peak RSS of a process, sampled every 200 ms between start and stop. */
function rssPeak(proc: { rssBytes(): number | null }): () => number {
  let max = proc.rssBytes() ?? 0;
  const t = setInterval(() => (max = Math.max(max, proc.rssBytes() ?? 0)), 200);
  return () => {
    clearInterval(t);
    return Math.max(max, proc.rssBytes() ?? 0);
  };
}

const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MB`;
const ms = (v: number): string => `${v.toFixed(1)} ms`;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function phase(worker: ConnectWorkerHandle): Promise<string | null> {
  try {
    const res = await fetch(`${worker.url}/connectors/src/status`);
    const body = (await res.json()) as { tasks?: { details?: { phase?: string } }[] };
    return body.tasks?.[0]?.details?.phase ?? null;
  } catch {
    return null;
  }
}

async function connectAll(url: string, n: number): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const c = new Client({ connectionString: url });
      // Postgres stopping at the end (or after a failure) must not crash the bench with an unhandled 'error'.
      c.on('error', () => undefined);
      await c.connect();
      return c;
    }),
  );
}

/** Runs the pipeline workloads and returns their figures; `log` gets the human summary. `npm run bench` calls it. */
export async function pipelineScenario(
  REPEATS = DEFAULT_REPEATS,
  log: (text: string) => void = (t) => process.stdout.write(t),
): Promise<Measurement[]> {
  const out: Measurement[] = [];
  const work = makeTempDir('tributary-pipeline-bench-');
  const pg = await startPostgres({ settings: { max_wal_size: '2GB' } });
  const broker = await startBroker({ config: { 'num.partitions': 1 } });
  const redis = await startRedis();
  let worker: ConnectWorkerHandle | null = null;
  const r = redis.client();
  const sub = redis.client();
  try {
    await pg.query(
      `CREATE TABLE public.bench (id bigint PRIMARY KEY, v text NOT NULL, amount numeric(14,2), at timestamptz)`,
    );
    const path = join(work, 'pipeline.yaml');
    writeFileSync(
      path,
      stringify({
        connectors: [
          {
            name: 'src',
            type: 'postgres-source',
            config: {
              connection: pg.url,
              tables: ['public.bench'],
              'topic.prefix': 'pg',
              'heartbeat.interval': '1s',
            },
          },
          {
            name: 'hash',
            type: 'redis-sink',
            topics: ['pg.public.bench'],
            config: { url: redis.url, mode: 'hash', key: `${KEY_PREFIX}{{key.id}}` },
          },
        ],
      }),
    );
    // K: keyspace channels, h: hash commands. The sink's DEL + HSET script announces "hset" per write.
    await r.config('SET', 'notify-keyspace-events', 'Kh');
    const seen = new Map<number, number>();
    let onArrive: ((id: number, at: number) => void) | null = null;
    const channelPrefix = `__keyspace@0__:${KEY_PREFIX}`;
    sub.on('pmessage', (_p: string, channel: string, event: string) => {
      if (event !== 'hset') return;
      const at = performance.now();
      const id = Number(channel.slice(channelPrefix.length));
      if (!seen.has(id)) seen.set(id, at);
      onArrive?.(id, at);
    });
    await sub.psubscribe(`${channelPrefix}*`);

    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [path] });
    const w = worker;
    for (const deadline = Date.now() + 60_000; (await phase(w)) !== 'streaming'; await sleep(100))
      if (Date.now() > deadline) throw new Error('the source never reached streaming');
    const clients = await connectAll(pg.url, CLIENTS);
    const insert = (c: Client, id: number): Promise<unknown> =>
      c.query(`INSERT INTO bench VALUES ($1::bigint, md5($1::text), $1::bigint * 1.25, now())`, [id]);
    let nextId = 1;

    const lines: string[] = [];
    // Warm-up: the pipeline, the topic and the consumer group exist before anything is timed.
    await insert(clients[0]!, nextId++);
    for (const deadline = Date.now() + 60_000; seen.size < 1; await sleep(20))
      if (Date.now() > deadline) throw new Error('the warm-up change never reached Redis');

    // Burst
    const rates: number[] = [];
    let burstRss = 0;
    for (let run = 0; run < REPEATS; run++) {
      const first = nextId;
      nextId += BURST;
      const stop = rssPeak(w);
      const t0 = performance.now();
      let next = first;
      await Promise.all(
        clients.map(async (c) => {
          while (next < first + BURST) await insert(c, next++);
        }),
      );
      const committed = performance.now();
      const deadline = Date.now() + 600_000;
      for (;;) {
        let n = 0;
        for (let id = first; id < first + BURST; id++) if (seen.has(id)) n++;
        if (n === BURST) break;
        if (Date.now() > deadline) throw new Error(`burst ${run}: ${n} of ${BURST} keys reached Redis`);
        await sleep(20);
      }
      const last = Math.max(...Array.from({ length: BURST }, (_, i) => seen.get(first + i)!));
      burstRss = Math.max(burstRss, stop());
      rates.push(BURST / ((last - t0) / 1000));
      lines.push(
        `  burst ${run + 1}: ${BURST} commits in ${((committed - t0) / 1000).toFixed(2)} s, all in Redis after ${((last - t0) / 1000).toFixed(2)} s`,
      );
    }
    const sortedRates = [...rates].sort((a, b) => a - b);
    const fmtRate = (v: number): string => `${Math.round(v)}`;

    // Steady rate: latency per change
    const commitAt = new Map<number, number>();
    const arriveAt = new Map<number, number>();
    onArrive = (id, at) => {
      if (!arriveAt.has(id)) arriveAt.set(id, at);
    };
    const stop = rssPeak(w);
    const total = RATE * SECONDS;
    const firstLat = nextId;
    nextId += total;
    const start = performance.now();
    let issued = 0;
    const inflight: Promise<void>[] = [];
    let lateBy = 0;
    while (issued < total) {
      const due = start + (issued * 1000) / RATE;
      const now = performance.now();
      if (due > now) await sleep(Math.max(0, Math.floor(due - now)));
      else lateBy = Math.max(lateBy, now - due);
      const id = firstLat + issued;
      const c = clients[issued % CLIENTS]!;
      issued++;
      inflight.push(
        insert(c, id).then(() => {
          commitAt.set(id, performance.now());
        }),
      );
      if (inflight.length > 1000) await Promise.all(inflight.splice(0, 500));
    }
    await Promise.all(inflight);
    const sendSeconds = (performance.now() - start) / 1000;
    const deadline = Date.now() + 120_000;
    while (arriveAt.size < total && Date.now() < deadline) await sleep(50);
    const steadyRss = stop();
    const lat: number[] = [];
    for (let id = firstLat; id < firstLat + total; id++) {
      const a = arriveAt.get(id);
      const cm = commitAt.get(id);
      if (a !== undefined && cm !== undefined) lat.push(Math.max(0, a - cm));
    }
    lat.sort((a, b) => a - b);
    for (const c of clients) await c.end();

    out.push({
      scenario: 'commit->redis burst',
      system: 'tributary',
      client: 'postgres-source + redis-sink',
      size: null,
      metric: 'changes/s',
      samples: rates,
      rssMb: [burstRss / 1048576],
      note: `${BURST} single-row transactions from ${CLIENTS} clients, until every key is in Redis`,
    });
    const p = percentiles(lat);
    for (const [metric, v] of [
      ['p50 ms', p.p50],
      ['p99 ms', p.p99],
      ['p999 ms', p.p999],
    ] as const) {
      out.push({
        scenario: `commit->redis latency ${RATE / 1000}k/s`,
        system: 'tributary',
        client: 'postgres-source + redis-sink',
        size: null,
        metric,
        samples: [v],
        rssMb: [steadyRss / 1048576],
        note: `${RATE} commits/s for ${SECONDS} s; COMMIT acknowledged -> HSET seen (keyspace notification)`,
      });
    }
    log(
      [
        '## pipeline bench: Postgres commit -> postgres-source -> broker -> redis-sink (hash)',
        '',
        `burst: ${BURST} single-row insert transactions from ${CLIENTS} clients, ${REPEATS} runs`,
        ...lines,
        `  end-to-end changes/s (min / median / max): ${fmtRate(sortedRates[0]!)} / ${fmtRate(quantile(sortedRates, 0.5))} / ${fmtRate(sortedRates[sortedRates.length - 1]!)}   worker peak RSS ${mb(burstRss)}`,
        '',
        `steady: ${RATE} commits/s for ${SECONDS} s (${total} changes, sent in ${sendSeconds.toFixed(1)} s, pacing at most ${ms(lateBy)} late)`,
        `  commit -> Redis HSET: p50 ${ms(quantile(lat, 0.5))}, p99 ${ms(quantile(lat, 0.99))}, max ${ms(lat[lat.length - 1]!)} over ${lat.length} of ${total} changes   worker peak RSS ${mb(steadyRss)}`,
        '',
      ].join('\n'),
    );
  } finally {
    await worker?.dispose();
    r.disconnect();
    sub.disconnect();
    await redis.dispose();
    await broker.dispose();
    await pg.dispose();
    removeDir(work);
  }
  return out;
}

if (require.main === module) pipelineScenario().then(() => process.exit(0), fail);
