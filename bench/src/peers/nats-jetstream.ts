/**
 * NATS JetStream as a peer: a private nats-server with file storage, driven by nats.js. Produce uses acked
 * publishes with a sliding window in flight (awaiting each one would measure only the round trip); consume uses
 * an ordered consumer. JetStream acks after write(2) and fsyncs periodically, so its produce is the acks=1
 * analogue; `produce acks=all fsync` runs only where the server has `jetstream { sync_interval: always }` (2.10+).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  connect,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';
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

const WINDOW = 2000;
const CONSUME_BATCH = 10_000;
/** Records of an unrecorded first produce run: JIT warm-up. */
const WARMUP_RECORDS = 20_000;

interface Ctx {
  server: PeerServer;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

function config(port: number, storeDir: string, syncAlways: boolean): string {
  const sync = syncAlways ? '\n  sync_interval: always' : '';
  return `listen: 127.0.0.1:${port}\njetstream {\n  store_dir: ${JSON.stringify(storeDir)}${sync}\n}\n`;
}

/** Whether this nats-server accepts `sync_interval: always` (`-t` only checks the config file). */
function supportsSyncAlways(dir: string): boolean {
  const probe = join(dir, 'probe.conf');
  writeFileSync(probe, config(4222, join(dir, 'probe'), true));
  return spawnSync('nats-server', ['-c', probe, '-t'], { timeout: 10_000 }).status === 0;
}

/** Starts a server in `dir/name`, connects, runs `fn`, then always closes the client and stops the server. */
async function withServer(dir: string, name: string, syncAlways: boolean, fn: (c: Ctx) => Promise<void>) {
  const home = join(dir, name);
  mkdirSync(home);
  const port = await freePort();
  const conf = join(home, 'nats.conf');
  writeFileSync(conf, config(port, join(home, 'store'), syncAlways));
  const server = await startPeerServer({
    bin: 'nats-server',
    args: ['-c', conf],
    port,
    cwd: home,
    logPath: join(home, 'nats.log'),
  });
  let nc: NatsConnection | null = null;
  try {
    nc = await connect({ servers: `127.0.0.1:${port}`, reconnect: false });
    let jsm: JetStreamManager | null = null;
    for (let i = 0; !jsm; i++) {
      // The port may open a moment before JetStream answers.
      jsm = await nc.jetstreamManager().catch((e: unknown) => {
        if (i >= 50) throw new Error(`nats-server JetStream not ready: ${String(e)}`);
        return new Promise<null>((r) => setTimeout(() => r(null), 100));
      });
    }
    await fn({ server, nc, js: nc.jetstream(), jsm });
  } catch (e) {
    throw await server.explain(`nats-jetstream (${name} server)`, e);
  } finally {
    await nc?.close().catch(() => undefined);
    await server.stop();
  }
}

async function addStream(c: Ctx, name: string): Promise<string> {
  await c.jsm.streams.add({ name, subjects: [name], storage: StorageType.File });
  return name;
}

/** `records` acked publishes of `value` with up to WINDOW in flight. Returns ms. */
async function produce(c: Ctx, stream: string, value: Uint8Array, records: number): Promise<number> {
  const inflight = new InFlight();
  const t0 = performance.now();
  for (let i = 0; i < records; i++) {
    // Refill from 3/4 of the window, not per ack: one wake-up per WINDOW/4 acks.
    if (inflight.count >= WINDOW) await inflight.waitUntil((WINDOW * 3) / 4, 'nats produce');
    inflight.start();
    c.js.publish(stream, value).then(inflight.done, inflight.fail);
  }
  await inflight.waitUntil(0, 'nats produce');
  const ms = performance.now() - t0;
  const stored = (await c.jsm.streams.info(stream)).state.messages;
  if (stored !== records)
    throw new Error(`nats produce: stream ${stream} has ${stored}, expected ${records}`);
  return ms;
}

/** Iterates `msgs` until `total` arrived, or stops them after `stallMs` without progress or when `abort` failed. */
async function readN(
  msgs: ConsumerMessages,
  total: number,
  onMsg: (m: JsMsg) => void,
  abort?: InFlight,
  stallMs = 30_000,
): Promise<number> {
  let n = 0;
  let seen = 0;
  let idleSince = performance.now();
  const watchdog = setInterval(() => {
    if (n !== seen) [seen, idleSince] = [n, performance.now()];
    if (abort?.failed || performance.now() - idleSince > stallMs) void msgs.stop();
  }, 500);
  try {
    for await (const m of msgs) {
      onMsg(m);
      if (++n >= total) break;
    }
  } finally {
    clearInterval(watchdog);
    void msgs.stop();
  }
  return n;
}

/** Reads the whole stream through an ordered consumer. Returns ms. */
async function consume(c: Ctx, stream: string, records: number, size: number): Promise<number> {
  let bytes = 0;
  const t0 = performance.now();
  const consumer = await c.js.consumers.get(stream);
  const msgs = await consumer.consume({ max_messages: CONSUME_BATCH });
  const n = await readN(msgs, records, (m) => (bytes += m.data.length));
  const ms = performance.now() - t0;
  if (n !== records || bytes !== records * size)
    throw new Error(`nats consume: read ${n} msgs / ${bytes} B, expected ${records} / ${records * size}`);
  return ms;
}

/** Acked publishes at `rate`/s, one per message when its time comes; latency = ack - scheduled send time. */
async function produceLatency(c: Ctx, stream: string, rate: number, seconds: number): Promise<number[]> {
  const value = new Uint8Array(LATENCY_SIZE).fill(120);
  const warm = Math.round(rate * WARMUP_SECONDS);
  const lat: number[] = [];
  const inflight = new InFlight();
  await paced(rate, warm + Math.round(rate * seconds), inflight, (i, at) => {
    inflight.start();
    c.js.publish(stream, value).then(() => {
      if (i >= warm) lat.push(performance.now() - at);
      inflight.done();
    }, inflight.fail);
  });
  await inflight.waitUntil(0, 'nats produce latency', 30_000);
  return lat;
}

/** Acked publishes at `rate`/s carrying their scheduled send time; an ordered consumer measures arrival. */
async function endToEnd(c: Ctx, stream: string, rate: number, seconds: number): Promise<number[]> {
  const warm = Math.round(rate * WARMUP_SECONDS);
  const total = warm + Math.round(rate * seconds);
  const lat: number[] = [];
  const inflight = new InFlight();
  const msgs = await (await c.js.consumers.get(stream)).consume({ max_messages: CONSUME_BATCH });
  let n = 0;
  const reader = readN(
    msgs,
    total,
    (m) => {
      const d = m.data;
      if (n++ >= warm)
        lat.push(performance.now() - new DataView(d.buffer, d.byteOffset, 8).getFloat64(0, true));
    },
    inflight,
  ).catch(inflight.abort);
  try {
    await paced(rate, total, inflight, (_i, at) => {
      const value = Buffer.alloc(LATENCY_SIZE, 'x'); // in flight while the next is sent: one per message
      value.writeDoubleLE(at, 0);
      inflight.start();
      c.js.publish(stream, value).then(inflight.done, inflight.fail);
    });
    await inflight.waitUntil(0, 'nats e2e produce', 30_000);
  } catch (e) {
    inflight.abort(e); // stops the reader
    throw e;
  } finally {
    await reader;
  }
  inflight.check();
  if (n < total) throw new Error(`nats e2e: only ${n} of ${total} messages arrived`);
  return lat;
}

interface Notes {
  base: string;
  acked: string;
  version: string;
}

/** Produce then consume, per size and repeat, each into a fresh stream. */
async function throughputRuns(c: Ctx, opts: ScenarioOptions, rows: Rows, n: Notes): Promise<void> {
  await produce(c, await addStream(c, 'WARMUP'), new Uint8Array(opts.sizes[0] ?? 100), WARMUP_RECORDS);
  await c.jsm.streams.delete('WARMUP');
  for (const size of opts.sizes) {
    const value = new Uint8Array(size).fill(120);
    for (let rep = 0; rep < opts.repeats; rep++) {
      opts.log(`nats-jetstream: size ${size} repeat ${rep + 1}/${opts.repeats}: produce / consume`);
      const stream = await addStream(c, `P${size}_${rep}`);
      const [pMs, pRss] = await measure(c.server, () => produce(c, stream, value, opts.records));
      rows.addThroughput('produce acks=1', size, opts.records, pMs, pRss, `${n.base}; ${n.acked}`);
      const [cMs, cRss] = await measure(c.server, () => consume(c, stream, opts.records, size));
      const cNote = `${n.base}; ordered consumer, consume() max_messages ${CONSUME_BATCH}`;
      rows.addThroughput('consume', size, opts.records, cMs, cRss, cNote);
      await c.jsm.streams.delete(stream);
    }
  }
}

async function latencyRuns(c: Ctx, opts: ScenarioOptions, rows: Rows, n: Notes): Promise<void> {
  const seconds = latencySeconds();
  const latNote = `${n.base}; ${seconds} s at a fixed rate after ${WARMUP_SECONDS} s warm-up`;
  for (let rep = 0; rep < opts.repeats; rep++) {
    for (const { rate, label } of LATENCY_RATES) {
      opts.log(`nats-jetstream: repeat ${rep + 1}/${opts.repeats}: produce latency ${label}/s`);
      const stream = await addStream(c, `L${rate}_${rep}`);
      const [lat, rss] = await measure(c.server, () => produceLatency(c, stream, rate, seconds));
      const scenario = `produce latency ${label}/s acks=1`;
      rows.addLatency(scenario, percentiles(lat), rss, `acked js.publish each, ${latNote}`);
      await c.jsm.streams.delete(stream);
    }
    opts.log(`nats-jetstream: repeat ${rep + 1}/${opts.repeats}: end-to-end latency`);
    const stream = await addStream(c, `E_${rep}`);
    const [lat, rss] = await measure(c.server, () => endToEnd(c, stream, E2E_RATE, seconds));
    rows.addLatency(
      'end-to-end latency 5k/s',
      percentiles(lat),
      rss,
      `js.publish -> ordered consumer, ${latNote}`,
    );
    await c.jsm.streams.delete(stream);
  }
}

/** Produce on a server with `sync_interval: always`: fsync before the ack, the acks=all fsync analogue. */
async function fsyncRuns(c: Ctx, opts: ScenarioOptions, rows: Rows, n: Notes): Promise<void> {
  const note = `${n.version}, JetStream file storage, sync_interval: always (fsync before ack); ${n.acked}`;
  for (const size of opts.sizes) {
    const value = new Uint8Array(size).fill(120);
    for (let rep = 0; rep < opts.repeats; rep++) {
      opts.log(
        `nats-jetstream: size ${size} repeat ${rep + 1}/${opts.repeats}: produce, sync_interval always`,
      );
      const stream = await addStream(c, `F${size}_${rep}`);
      const [ms, rss] = await measure(c.server, () => produce(c, stream, value, opts.records));
      rows.addThroughput('produce acks=all fsync', size, opts.records, ms, rss, note);
      await c.jsm.streams.delete(stream);
    }
  }
}

export const natsJetStreamScenario: Scenario = async (opts: ScenarioOptions) => {
  const version = requireBinary('nats-server').replace(/^nats-server:\s*/, 'nats-server ');
  const dir = mkdtempSync(join(opts.work, 'nats-jetstream-'));
  const rows = new Rows('nats-jetstream', 'nats.js');
  try {
    const syncAlways = supportsSyncAlways(dir);
    const skipped = syncAlways
      ? ''
      : ` ("produce acks=all fsync" skipped: ${version} has no sync_interval, 2.10+)`;
    const notes: Notes = {
      version,
      base: `${version}, JetStream file storage, acks after write(2), fsync periodic${skipped}`,
      acked: `acked js.publish, ${WINDOW} in flight; per-message ack promises make nats.js client-bound`,
    };
    await withServer(dir, 'default', false, async (c) => {
      await throughputRuns(c, opts, rows, notes);
      await latencyRuns(c, opts, rows, notes);
    });
    if (syncAlways) await withServer(dir, 'sync-always', true, (c) => fsyncRuns(c, opts, rows, notes));
    return rows.list();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
