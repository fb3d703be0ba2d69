/**
 * Redis Streams as a peer: a private redis-server with AOF on (RDB and auto-rewrite off), driven from Node by
 * ioredis. Throughput uses pipelines (the batching spirit of kcat); latency sends one XADD per message on a
 * fixed schedule. Scenario names match the Tributary rows so the harness can put them side by side.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { freePort } from '@tributary/testing';
import { percentiles, type Scenario, type ScenarioOptions } from '../harness/measurement';
import {
  E2E_RATE,
  InFlight,
  LATENCY_RATES,
  LATENCY_SIZE,
  Rows,
  WARMUP_SECONDS,
  latencySeconds,
  measure,
  paced,
  requireBinary,
  startPeerServer,
  type PeerServer,
} from './peer-tools';

const PIPELINE = 1000;
const CONNECTIONS = 4;
/** Records of an unrecorded first produce run: JIT and allocator warm-up. */
const WARMUP_RECORDS = 20_000;
const READ_COUNT = 1000;

/** RESP2 XREAD reply: [[key, [[id, [field, value, ...]], ...]]], or null on a BLOCK timeout. */
type XRead = [Buffer, [Buffer, Buffer[]][]][] | null;

function client(port: number): Redis {
  // RESP2 (ioredis 6 defaults to RESP3) for plain array replies; no reconnects, so a dead server fails the run.
  const c = new Redis({ host: '127.0.0.1', port, protocol: 2, retryStrategy: () => null });
  c.on('error', () => undefined); // surfaced by the failing commands
  return c;
}

/**
 * `records` XADDs of `value` in pipelines of PIPELINE, one in flight per connection of `pool`. Several
 * connections, as redis-benchmark -c: with appendfsync always Redis fsyncs once per event-loop cycle, and
 * one connection gives it only one 16 KiB read per cycle. Returns ms.
 */
async function produce(pool: Redis[], key: string, value: Buffer, records: number): Promise<number> {
  const inflight = new InFlight();
  const check = (res: [Error | null, unknown][] | null): void => {
    const err = res?.find(([e]) => e)?.[0];
    if (err) inflight.fail(err);
    else inflight.done();
  };
  const t0 = performance.now();
  for (let sent = 0, k = 0; sent < records; sent += PIPELINE, k++) {
    await inflight.waitUntil(pool.length - 1, 'redis produce');
    const p = pool[k % pool.length]!.pipeline();
    for (let i = 0, n = Math.min(PIPELINE, records - sent); i < n; i++) p.xadd(key, '*', 'v', value);
    inflight.start();
    p.exec().then(check, inflight.fail);
  }
  await inflight.waitUntil(0, 'redis produce');
  const ms = performance.now() - t0;
  const len = await pool[0]!.xlen(key);
  if (len !== records)
    throw new Error(`redis produce: stream ${key} has ${len} entries, expected ${records}`);
  return ms;
}

/** Reads the whole stream with XREAD COUNT 1000, checking count and payload bytes. Returns ms. */
async function consume(r: Redis, key: string, records: number, size: number): Promise<number> {
  let last = '0-0';
  let n = 0;
  let bytes = 0;
  const t0 = performance.now();
  for (;;) {
    const res = (await r.xreadBuffer('COUNT', READ_COUNT, 'STREAMS', key, last)) as XRead;
    const entries = res?.[0]?.[1];
    if (!entries || entries.length === 0) break;
    for (const [, fields] of entries) bytes += fields[1]!.length;
    n += entries.length;
    last = entries[entries.length - 1]![0].toString();
  }
  const ms = performance.now() - t0;
  if (n !== records || bytes !== records * size)
    throw new Error(`redis consume: read ${n} entries / ${bytes} B, expected ${records} / ${records * size}`);
  return ms;
}

/** XADDs at `rate`/s, one per message when its time comes; latency = reply - scheduled send time. */
async function produceLatency(r: Redis, key: string, rate: number, seconds: number): Promise<number[]> {
  const value = Buffer.alloc(LATENCY_SIZE, 'x');
  const warm = Math.round(rate * WARMUP_SECONDS);
  const lat: number[] = [];
  const inflight = new InFlight();
  await paced(rate, warm + Math.round(rate * seconds), inflight, (i, at) => {
    inflight.start();
    r.xadd(key, '*', 'v', value).then(() => {
      if (i >= warm) lat.push(performance.now() - at);
      inflight.done();
    }, inflight.fail);
  });
  await inflight.waitUntil(0, 'redis produce latency', 30_000);
  return lat;
}

/** A producer XADDs at `rate`/s (value = its scheduled send time); a consumer on XREAD BLOCK measures. */
async function endToEnd(
  prod: Redis,
  cons: Redis,
  key: string,
  rate: number,
  seconds: number,
): Promise<number[]> {
  const warm = Math.round(rate * WARMUP_SECONDS);
  const total = warm + Math.round(rate * seconds);
  const lat: number[] = [];
  const deadline = performance.now() + (total / rate) * 1000 + 30_000;
  const inflight = new InFlight();
  // From 0-0 on a key that does not exist yet: blocks until the first entry, and misses none.
  const reader = (async (): Promise<void> => {
    let last = '0-0';
    for (let n = 0; n < total && !inflight.failed;) {
      if (performance.now() > deadline) throw new Error(`redis e2e: only ${n} of ${total} entries arrived`);
      const res = (await cons.xreadBuffer('COUNT', READ_COUNT, 'BLOCK', 1000, 'STREAMS', key, last)) as XRead;
      const entries = res?.[0]?.[1];
      if (!entries) continue;
      const now = performance.now();
      for (const [, fields] of entries) if (n++ >= warm) lat.push(now - fields[1]!.readDoubleLE(0));
      last = entries[entries.length - 1]![0].toString();
    }
  })().catch(inflight.abort);
  try {
    await paced(rate, total, inflight, (_i, at) => {
      const value = Buffer.alloc(LATENCY_SIZE, 'x'); // in flight while the next is sent: one per message
      value.writeDoubleLE(at, 0);
      inflight.start();
      prod.xadd(key, '*', 'v', value).then(inflight.done, inflight.fail);
    });
    await inflight.waitUntil(0, 'redis e2e produce', 30_000);
  } catch (e) {
    inflight.abort(e); // stops the reader
    throw e;
  } finally {
    await reader;
  }
  inflight.check();
  return lat;
}

/** Empties the dataset and rewrites the AOF, so repeats start alike and the AOF does not fill the disk. */
async function reset(r: Redis): Promise<void> {
  await r.flushall();
  await r.bgrewriteaof();
  for (let i = 0; i < 600; i++) {
    const info = await r.info('persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('redis: AOF rewrite did not finish within 60 s');
}

interface Ctx {
  opts: ScenarioOptions;
  rows: Rows;
  /** CONNECTIONS clients; [0] also reads and sends the latency runs, [1] is the end-to-end reader. */
  pool: Redis[];
  server: PeerServer;
  note: string;
}

/** Per size and repeat: produce (everysec), consume, produce (always), each into a fresh stream. */
async function throughputRuns(c: Ctx): Promise<void> {
  const { opts, rows, pool } = c;
  const r = pool[0]!;
  const batching = `pipelines of ${PIPELINE}, one in flight on each of ${CONNECTIONS} connections`;
  await produce(pool, 'warmup', Buffer.alloc(opts.sizes[0] ?? 100, 'x'), WARMUP_RECORDS);
  await reset(r);
  for (const size of opts.sizes) {
    const value = Buffer.alloc(size, 'x');
    for (let rep = 0; rep < opts.repeats; rep++) {
      opts.log(`redis-streams: size ${size} repeat ${rep + 1}/${opts.repeats}: produce / consume`);
      const key = `bench:${size}:${rep}`;
      const [pMs, pRss] = await measure(c.server, () => produce(pool, key, value, opts.records));
      const pNote = `XADD, appendfsync everysec. ${c.note}; ${batching}`;
      rows.addThroughput('produce acks=1', size, opts.records, pMs, pRss, pNote);
      const [cMs, cRss] = await measure(c.server, () => consume(r, key, opts.records, size));
      rows.addThroughput('consume', size, opts.records, cMs, cRss, `${c.note}; XREAD COUNT ${READ_COUNT}`);
      await reset(r); // each run's peak RSS is then its own stream's
      await r.config('SET', 'appendfsync', 'always');
      try {
        const [aMs, aRss] = await measure(c.server, () =>
          produce(pool, `${key}:always`, value, opts.records),
        );
        const aNote = `XADD, appendfsync always (fsync before reply, group commit). ${c.note}; ${batching}`;
        rows.addThroughput('produce acks=all fsync', size, opts.records, aMs, aRss, aNote);
      } finally {
        await r.config('SET', 'appendfsync', 'everysec');
      }
      await reset(r);
    }
  }
}

async function latencyRuns(c: Ctx): Promise<void> {
  const { opts, rows, pool } = c;
  const seconds = latencySeconds();
  const note = `${c.note}; appendfsync everysec; ${seconds} s at a fixed rate after ${WARMUP_SECONDS} s warm-up`;
  for (let rep = 0; rep < opts.repeats; rep++) {
    for (const { rate, label } of LATENCY_RATES) {
      opts.log(`redis-streams: repeat ${rep + 1}/${opts.repeats}: produce latency ${label}/s`);
      const [lat, rss] = await measure(c.server, () =>
        produceLatency(pool[0]!, `lat:${rate}:${rep}`, rate, seconds),
      );
      rows.addLatency(`produce latency ${label}/s acks=1`, percentiles(lat), rss, `XADD each, ${note}`);
      await reset(pool[0]!);
    }
    opts.log(`redis-streams: repeat ${rep + 1}/${opts.repeats}: end-to-end latency`);
    const [lat, rss] = await measure(c.server, () =>
      endToEnd(pool[0]!, pool[1]!, `e2e:${rep}`, E2E_RATE, seconds),
    );
    rows.addLatency('end-to-end latency 5k/s', percentiles(lat), rss, `XADD -> XREAD BLOCK, ${note}`);
    await reset(pool[0]!);
  }
}

export const redisStreamsScenario: Scenario = async (opts) => {
  const version = requireBinary('redis-server').replace(/^Redis server v=(\S+).*$/, 'Redis $1');
  const dir = mkdtempSync(join(opts.work, 'redis-streams-'));
  const port = await freePort();
  let server: PeerServer | null = null;
  const pool: Redis[] = [];
  try {
    server = await startPeerServer({
      bin: 'redis-server',
      port,
      cwd: dir,
      logPath: join(dir, 'redis.log'),
      args: [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        ...['--daemonize', 'no', '--logfile', ''],
        ...['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'],
        // An automatic rewrite mid-run would fork and copy the dataset: not what is being measured.
        ...['--auto-aof-rewrite-percentage', '0'],
      ],
    });
    for (let i = 0; i < CONNECTIONS; i++) pool.push(client(port));
    const rows = new Rows('redis-streams', 'ioredis');
    const c: Ctx = { opts, rows, pool, server, note: `${version}, AOF on, RDB off, one stream, RESP2` };
    try {
      await throughputRuns(c);
      await latencyRuns(c);
    } catch (e) {
      throw await server.explain('redis-streams', e);
    }
    return rows.list();
  } finally {
    for (const r of pool) r.disconnect();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
