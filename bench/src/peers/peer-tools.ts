/**
 * What the peer scenarios share: a private server process (with its peak RSS), a window of requests in
 * flight, fixed-rate sending for the latency runs, and the collector of Measurement rows.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { trackChild } from '@tributary/testing';
import { settleDisk } from '../bench-tools';
import type { Measurement, Metric, System } from '../harness/measurement';

/** Fixed rates of the produce-latency scenarios, named as the report names them. */
export const LATENCY_RATES: readonly { rate: number; label: string }[] = [
  { rate: 1_000, label: '1k' },
  { rate: 5_000, label: '5k' },
  { rate: 20_000, label: '20k' },
];
export const E2E_RATE = 5_000;
/** Latency runs use 1 KiB values only. */
export const LATENCY_SIZE = 1024;
/** Sent before each latency run's recorded part and not recorded: connection and JIT warm-up. */
export const WARMUP_SECONDS = 0.5;

/** Recorded seconds per latency run: env BENCH_LATENCY_SECONDS, default 5. */
export function latencySeconds(): number {
  const s = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);
  if (!(s > 0)) throw new Error(`BENCH_LATENCY_SECONDS must be a positive number, got "${s}"`);
  return s;
}

const APT_HINT =
  'run `bash scripts/ensure-bench-deps.sh` (as root) or `apt-get install -y redis-server nats-server`';

/** Runs `bin --version`; throws with the install line when the binary is missing. Returns the version line. */
export function requireBinary(bin: string): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0)
    throw new Error(`${bin} is not runnable (${r.error?.message ?? `exit ${r.status}`}); ${APT_HINT}`);
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0]!;
}

export interface PeerServer {
  readonly pid: number;
  /** Starts a new peak-RSS window (clears VmHWM); falls back to the whole-life peak where that is refused. */
  resetPeakRss(): void;
  /** Peak RSS in MiB since the last reset, undefined where /proc is unavailable. */
  peakRssMb(): number | undefined;
  logTail(chars?: number): string;
  /** Wraps a failure of a run with what the server was doing: whether it died, and its log tail. */
  explain(what: string, e: unknown): Promise<Error>;
  /** SIGTERM, then SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

export interface StartPeerOptions {
  bin: string;
  args: string[];
  port: number;
  cwd: string;
  logPath: string;
  startTimeoutMs?: number;
}

let pdeathsig: boolean | undefined;

/**
 * With `setpriv --pdeathsig` (which execs in place, so the pid is the server's) the kernel kills the server
 * when this process dies uncleanly (Ctrl-C, a crash), which no `finally` covers.
 */
function usePdeathsig(): boolean {
  pdeathsig ??= spawnSync('setpriv', ['--pdeathsig', 'SIGKILL', '--', 'true']).status === 0;
  return pdeathsig;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const exited = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => done(true));
  });
}

function waitExit(c: ChildProcess, ms: number): Promise<boolean> {
  if (exited(c)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    c.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Starts a server in the foreground, stdout/stderr to `logPath`; ready once its port accepts connections. */
export async function startPeerServer(o: StartPeerOptions): Promise<PeerServer> {
  const fd = openSync(o.logPath, 'a');
  const [cmd, argv] = usePdeathsig()
    ? ['setpriv', ['--pdeathsig', 'SIGKILL', '--', o.bin, ...o.args]]
    : [o.bin, o.args];
  const child = spawn(cmd, argv, { cwd: o.cwd, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  trackChild(child);
  const spawnError: { e: Error | null } = { e: null };
  child.once('error', (e) => (spawnError.e = e));
  const tail = (chars = 3000): string => {
    try {
      return readFileSync(o.logPath, 'utf8').slice(-chars);
    } catch {
      return '(no log)';
    }
  };
  const server: PeerServer = {
    get pid(): number {
      return child.pid ?? -1;
    },
    resetPeakRss(): void {
      try {
        writeFileSync(`/proc/${child.pid}/clear_refs`, '5'); // "5" resets VmHWM to the current RSS
      } catch {
        // not permitted here: the figure is then the peak since the server started
      }
    },
    peakRssMb(): number | undefined {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
      } catch {
        return undefined;
      }
    },
    logTail: tail,
    async explain(what: string, e: unknown): Promise<Error> {
      // A client often sees the connection drop before this process has reaped the dead server.
      await waitExit(child, 500);
      const state = exited(child)
        ? `the server died (exit code ${child.exitCode}, signal ${child.signalCode})`
        : 'the server was still running';
      const msg = e instanceof Error ? e.message : String(e);
      return new Error(`${what} failed: ${msg}; ${state}\n--- ${o.logPath} (tail) ---\n${tail()}`, {
        cause: e,
      });
    },
    async stop(): Promise<void> {
      if (exited(child)) return;
      child.kill('SIGTERM');
      if (!(await waitExit(child, 10_000))) {
        child.kill('SIGKILL');
        await waitExit(child, 5_000);
      }
    },
  };
  const deadline = Date.now() + (o.startTimeoutMs ?? 20_000);
  try {
    for (;;) {
      if (spawnError.e)
        throw new Error(`${o.bin} could not be spawned: ${spawnError.e.message}; ${APT_HINT}`);
      if (exited(child)) throw new Error(`${o.bin} exited during startup (code ${child.exitCode})`);
      if (await canConnect(o.port)) return server;
      if (Date.now() > deadline) throw new Error(`${o.bin} did not listen on port ${o.port} in time`);
      await sleep(50);
    }
  } catch (e) {
    await server.stop();
    throw new Error(`${(e as Error).message}\n--- ${o.logPath} (tail) ---\n${tail()}`);
  }
}

/**
 * Requests in flight: the throughput loops keep a window of them, the latency loops count them to drain.
 * `done` and `fail` are bound, so `p.then(w.done, w.fail)` allocates no closure per request.
 */
/** Runs `fn` from a settled disk (see settleDisk) and returns its result with the server's peak RSS meanwhile. */
export async function measure<T>(server: PeerServer, fn: () => Promise<T>): Promise<[T, number | undefined]> {
  await settleDisk();
  server.resetPeakRss();
  const out = await fn();
  return [out, server.peakRssMb()];
}

export class InFlight {
  private n = 0;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  private want = 0;

  get count(): number {
    return this.n;
  }

  start(): void {
    this.n++;
  }

  readonly done = (): void => {
    this.n--;
    if (this.wake && this.n <= this.want) this.wake();
  };

  readonly fail = (e: unknown): void => {
    this.n--;
    this.error ??= e instanceof Error ? e : new Error(String(e));
    this.wake?.();
  };

  /** Fails the run without a request finishing (e.g. the reading side of an end-to-end run broke). */
  readonly abort = (e: unknown): void => {
    this.error ??= e instanceof Error ? e : new Error(String(e));
    this.wake?.();
  };

  get failed(): boolean {
    return this.error !== null;
  }

  /** Throws the first request error, if any. */
  check(): void {
    if (this.error) throw this.error;
  }

  /** Resolves once at most `max` are in flight; rejects on a request error or no progress for `stallMs`. */
  waitUntil(max: number, what: string, stallMs = 60_000): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (this.n <= max) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let seen = this.n;
      const timer = setInterval(() => {
        if (this.n < seen) return void (seen = this.n);
        this.wake = null;
        clearInterval(timer);
        reject(new Error(`${what}: ${this.n} requests unanswered for ${stallMs} ms; is the server alive?`));
      }, stallMs);
      this.want = max;
      this.wake = () => {
        this.wake = null;
        clearInterval(timer);
        if (this.error) reject(this.error);
        else resolve();
      };
    });
  }
}

/**
 * Calls `fire(i, scheduledMs)` for i < total at start + i / rate (performance.now() ms). A late tick fires every
 * message that is due at once, each with its own scheduled time, so a stalled server shows up as latency
 * (no coordinated omission). Spins on setImmediate when the next send is close: timers are ~1 ms coarse.
 */
export function paced(
  rate: number,
  total: number,
  inflight: InFlight,
  fire: (i: number, scheduledMs: number) => void,
): Promise<void> {
  const intervalMs = 1000 / rate;
  const start = performance.now() + 1;
  let i = 0;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      try {
        inflight.check();
        const now = performance.now();
        for (let at = start + i * intervalMs; i < total && at <= now; at = start + ++i * intervalMs)
          fire(i, at);
        if (i >= total) return resolve();
        const wait = start + i * intervalMs - now;
        if (wait > 2) setTimeout(tick, wait - 1.5);
        else setImmediate(tick);
      } catch (e) {
        reject(e);
      }
    };
    tick();
  });
}

/** Collects one Measurement per (scenario, size, metric), one sample per repeat. */
export class Rows {
  private readonly rows = new Map<string, Measurement>();

  constructor(
    private readonly system: System,
    private readonly client: string,
  ) {}

  add(scenario: string, size: number, metric: Metric, value: number, rssMb?: number, note?: string): void {
    const key = `${scenario}\0${size}\0${metric}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { scenario, system: this.system, client: this.client, size, metric, samples: [] };
      if (note) row.note = note;
      this.rows.set(key, row);
    }
    row.samples.push(value);
    if (rssMb !== undefined) (row.rssMb ??= []).push(rssMb);
  }

  /** msgs/s and MB/s (payload bytes, 1 MB = 1e6 B) of one throughput run. */
  addThroughput(
    scenario: string,
    size: number,
    records: number,
    ms: number,
    rss?: number,
    note?: string,
  ): void {
    this.add(scenario, size, 'msgs/s', (records * 1000) / ms, rss, note);
    this.add(scenario, size, 'MB/s', (records * size) / ms / 1000, rss, note);
  }

  /** p50 / p99 / p999 of one latency run. */
  addLatency(
    scenario: string,
    p: { p50: number; p99: number; p999: number },
    rss?: number,
    note?: string,
  ): void {
    this.add(scenario, LATENCY_SIZE, 'p50 ms', p.p50, rss, note);
    this.add(scenario, LATENCY_SIZE, 'p99 ms', p.p99, rss, note);
    this.add(scenario, LATENCY_SIZE, 'p999 ms', p.p999, rss, note);
  }

  list(): Measurement[] {
    return [...this.rows.values()];
  }
}
