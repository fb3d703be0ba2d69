import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { trackChild } from './child-registry';
import { freePort } from './free-port';
import { runCmd } from './run-cmd';
import { makeTempDir, removeDir } from './temp-dir';
import { LiveServers, hasExited, logTail, waitExit } from './server-handles';

export interface StartRedisOptions {
  /** The server binary; default $TRIBUTARY_REDIS_SERVER, else `redis-server` from PATH. */
  bin?: string;
  /** TCP port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** Extra `--name value` arguments, after (so overriding) the harness defaults. */
  args?: string[];
  /** How long to wait until the server answers PING. Default 20 s. */
  startTimeoutMs?: number;
}

export interface RedisHandle {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The server's working directory: the AOF files and `redis.log`. */
  readonly dir: string;
  /** Pid of the current server (changes on restart); -1 while it is down. */
  readonly pid: number;
  /** A new ioredis client for this server; it is disconnected by `dispose` if the caller has not quit it. */
  client(): Redis;
  /** SIGKILL and wait for exit: no shutdown, no final fsync (acked writes are in the AOF file already). */
  kill9(): Promise<void>;
  /** Stops the server if it runs (SIGTERM: a clean shutdown) and starts it again on the same port and dir. */
  restart(): Promise<void>;
  /** Stops the server, disconnects the clients made by `client()` and removes the dir. Idempotent. */
  dispose(): Promise<void>;
  /** The tail of the server log, for assertion messages. */
  logTail(chars?: number): string;
}

const LOG_FILE = 'redis.log';
const STOP_GRACE_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const liveHandles = new LiveServers<RedisHandle>((h) => h.dir, 30_000);

/** One raw `PING` over a fresh socket: true on `+PONG` (a server still loading its AOF answers `-LOADING`). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1_000);
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d: Buffer) => {
      reply += d.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

let pdeathsigCache: Promise<boolean> | undefined;

/**
 * Whether `setpriv --pdeathsig` is usable: it execs in place, so the tracked pid is the server itself, and the
 * kernel SIGKILLs the server when this (jest worker) process dies without cleaning up, which no exit hook catches.
 */
function canUsePdeathsig(): Promise<boolean> {
  pdeathsigCache ??= runCmd('setpriv', ['--pdeathsig', 'SIGKILL', '--', 'true'], { timeoutMs: 5_000 })
    .then((r) => r.code === 0)
    .catch(() => false);
  return pdeathsigCache;
}

/**
 * Starts a private redis-server for tests: loopback only, on a free port, in its own temp dir, with AOF on
 * (`appendfsync everysec`) and RDB snapshots off, so `restart()` and `kill9()` + `restart()` keep every acked
 * write. The server runs in the foreground as a tracked child (see child-registry); readiness = PING answers PONG.
 */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisHandle> {
  const bin = opts.bin ?? process.env.TRIBUTARY_REDIS_SERVER ?? 'redis-server';
  const port = opts.port ?? (await freePort());
  const startTimeoutMs = opts.startTimeoutMs ?? 20_000;
  const dir = makeTempDir('tributary-redis-');
  const logPath = join(dir, LOG_FILE);
  const pdeathsig = await canUsePdeathsig();
  const serverArgs = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--daemonize',
    'no',
    // Logs go to stdout, which is the log file.
    '--logfile',
    '',
    ...(opts.args ?? []),
  ];

  let child: ChildProcess | null = null;
  let disposed = false;
  const clients = new Set<Redis>();
  const fail = (what: string): Error =>
    new Error(
      `redis-server ${what} (dir ${dir}, port ${port})\n--- ${LOG_FILE} (tail) ---\n${logTail(logPath, 4000)}`,
    );

  const launch = async (): Promise<void> => {
    const fd = openSync(logPath, 'a');
    const [cmd, argv] = pdeathsig
      ? ['setpriv', ['--pdeathsig', 'SIGKILL', '--', bin, ...serverArgs]]
      : [bin, serverArgs];
    const c = spawn(cmd, argv, { cwd: dir, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    trackChild(c);
    child = c;
    // A holder, not a `let`: TS would narrow a let assigned only in a callback to `null` in the loop below.
    const spawned: { error: Error | null } = { error: null };
    c.once('error', (e) => (spawned.error = e));
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (spawned.error) {
        throw fail(
          `could not be spawned: ${spawned.error.message}; is it installed? (see scripts/ensure-test-deps.sh)`,
        );
      }
      if (hasExited(c)) throw fail(`exited during startup (code ${c.exitCode}, signal ${c.signalCode})`);
      if (await ping(port)) return;
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        throw fail(`did not answer PING within ${startTimeoutMs} ms`);
      }
      await sleep(50);
    }
  };

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    child = null;
    if (!c || hasExited(c)) return;
    c.kill(signal);
    if (!(await waitExit(c, signal === 'SIGKILL' ? 5_000 : STOP_GRACE_MS))) {
      c.kill('SIGKILL');
      await waitExit(c, 5_000);
    }
  };

  const handle: RedisHandle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get pid(): number {
      return child && !hasExited(child) ? (child.pid ?? -1) : -1;
    },
    client(): Redis {
      // Loaded on first use so the many specs importing @tributary/testing never load the driver.
      const { Redis: Client } = require('ioredis') as typeof import('ioredis');
      // A short disconnectTimeout: ioredis arms it even for a client whose socket is already closed (one
      // reconnecting after a kill9), and the default 2 s timer would outlive the test file.
      const c = new Client(handle.url, { disconnectTimeout: 100 });
      c.on('error', () => undefined); // reconnects on its own; a test sees failures on its commands
      clients.add(c);
      c.once('end', () => clients.delete(c));
      return c;
    },
    async kill9(): Promise<void> {
      await stopWith('SIGKILL');
    },
    async restart(): Promise<void> {
      if (disposed) throw new Error('redis handle already disposed');
      await stopWith('SIGTERM');
      await launch();
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      liveHandles.delete(handle);
      for (const c of clients) c.disconnect();
      clients.clear();
      try {
        await stopWith('SIGTERM');
      } finally {
        removeDir(dir);
      }
    },
    logTail(chars = 4000): string {
      return logTail(logPath, chars);
    },
  };

  try {
    await launch();
  } catch (e) {
    await handle.dispose();
    throw e;
  }
  liveHandles.add(handle);
  return handle;
}
