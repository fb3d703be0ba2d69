import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { QueryResult, QueryResultRow } from 'pg';
import { trackChild } from './child-registry';
import { freePort } from './free-port';
import { describeRun, runCmd, type RunResult } from './run-cmd';
import { makeTempDir, removeDir } from './temp-dir';
import { LiveServers, logTail, waitExit } from './server-handles';

export interface StartPostgresOptions {
  /** Directory holding initdb/pg_ctl/postgres; default: $TRIBUTARY_PG_BIN, else the newest /usr/lib/postgresql/<v>/bin, else `pg_config --bindir`. */
  binDir?: string;
  /** TCP port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** Extra `postgresql.conf` settings, appended after (so overriding) the harness defaults. */
  settings?: Record<string, string | number>;
  /** How long to wait for initdb and for the server to accept connections. Default 60 s. */
  startTimeoutMs?: number;
}

export interface PostgresHandle {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth, no password). */
  readonly url: string;
  /** The cluster's data directory; it also holds the unix socket and `postgres.log`. */
  readonly dataDir: string;
  /** Pid of the current postmaster (changes on restart). */
  readonly pid: number;
  /** Runs one statement on a fresh connection (so it works across restarts) and returns pg's result. */
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Crash-stops the server (`pg_ctl stop -m immediate`: no checkpoint) and starts it again on the same data dir and port. */
  restartImmediate(): Promise<void>;
  /** Fast shutdown (`pg_ctl stop -m fast`); the data dir is kept. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server and removes the data dir. Idempotent. */
  dispose(): Promise<void>;
  /** The tail of the server log, for assertion messages. */
  logTail(chars?: number): string;
}

/** Postgres refuses to run as root, so under root (CI) the server runs as this unprivileged system user. */
export const PG_SYSTEM_USER = 'tributary-pg';
const SUPERUSER = 'postgres';
const LOG_FILE = 'postgres.log';
const STOP_TIMEOUT_MS = 30_000;

/** Who runs the Postgres binaries: null = this process's own user (not root). */
interface RunAs {
  uid: number;
  gid: number;
}

let runAsCache: Promise<RunAs | null> | undefined;

/** Resolves (creating it once if needed) the unprivileged user to run Postgres as; null when we are not root. */
function resolveRunAs(): Promise<RunAs | null> {
  runAsCache ??= (async () => {
    if (process.getuid?.() !== 0) return null;
    const existing = await lookupUser();
    if (existing) return existing;
    const r = await runCmd('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      PG_SYSTEM_USER,
    ]);
    // Another jest worker may have created it concurrently ("already exists"); the lookup decides.
    const created = await lookupUser();
    if (!created)
      throw new Error(`cannot create system user ${PG_SYSTEM_USER}\n${describeRun('useradd', r)}`);
    return created;
  })();
  runAsCache.catch(() => (runAsCache = undefined));
  return runAsCache;
}

async function lookupUser(): Promise<RunAs | null> {
  const u = await runCmd('id', ['-u', PG_SYSTEM_USER]);
  const g = await runCmd('id', ['-g', PG_SYSTEM_USER]);
  if (u.code !== 0 || g.code !== 0) return null;
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/**
 * Command line running `bin` as `runAs`. setpriv execs in place (unlike runuser, which forks and waits), so the
 * pid we track is the postmaster itself and the child registry's SIGKILL reaches the server, not a wrapper.
 * `parentDeathSignal` makes the kernel signal the server if this (jest worker) process dies without cleaning
 * up, e.g. when it is SIGKILLed, which no exit hook can catch.
 */
function asUser(
  runAs: RunAs | null,
  bin: string,
  args: string[],
  parentDeathSignal?: NodeJS.Signals,
): [string, string[]] {
  if (!runAs) return [bin, args];
  const death = parentDeathSignal ? [`--pdeathsig=${parentDeathSignal}`] : [];
  return [
    'setpriv',
    [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups', ...death, '--', bin, ...args],
  ];
}

/** Finds the server binaries without hard-coding a version: the newest Debian-style install wins. */
async function findBinDir(explicit?: string): Promise<string> {
  const fromOpts = explicit ?? process.env.TRIBUTARY_PG_BIN;
  if (fromOpts) return fromOpts;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(root, versions[0]!, 'bin');
  }
  const r = await runCmd('pg_config', ['--bindir']).catch(() => null);
  const dir = r?.code === 0 ? r.stdout.trim() : '';
  if (dir && existsSync(join(dir, 'postgres'))) return dir;
  throw new Error(
    'Postgres server binaries not found (looked in /usr/lib/postgresql/*/bin and `pg_config --bindir`); ' +
      'install them (e.g. apt-get install postgresql) or set TRIBUTARY_PG_BIN',
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const liveHandles = new LiveServers<PostgresHandle>((h) => h.dataDir, 60_000);

/**
 * Starts a private Postgres cluster for CDC tests: initdb into a fresh temp dir, logical decoding enabled
 * (`wal_level=logical`, replication slots and WAL senders), trust auth on 127.0.0.1 for normal and replication
 * connections, listening only on 127.0.0.1:<port> and a unix socket inside the data dir. The postmaster runs
 * in the foreground as a tracked child (see child-registry), as an unprivileged user when we are root.
 */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresHandle> {
  const binDir = await findBinDir(opts.binDir);
  const runAs = await resolveRunAs();
  const port = opts.port ?? (await freePort());
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const dataDir = makeTempDir('tributary-pg-');
  const logPath = join(dataDir, LOG_FILE);
  const bin = (name: string): string => join(binDir, name);
  // A clean env: inherited PG* variables (PGHOST, PGDATA, ...) would silently redirect the tools.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('PG')),
  );
  env.LC_ALL = 'C';
  const pgRun = (name: string, args: string[], timeoutMs = startTimeoutMs): Promise<RunResult> => {
    const [cmd, argv] = asUser(runAs, bin(name), args);
    // cwd = the data dir: the unprivileged user may not be able to enter the caller's cwd.
    return runCmd(cmd, argv, { env, cwd: dataDir, timeoutMs });
  };

  let child: ChildProcess | null = null;
  let disposed = false;
  const fail = (what: string, r?: RunResult): Error =>
    new Error(
      `postgres ${what} (data dir ${dataDir}, port ${port})` +
        (r ? `\n${describeRun(what, r)}` : '') +
        `\n--- ${LOG_FILE} (tail) ---\n${logTail(logPath, 4000)}`,
    );

  const launch = async (): Promise<void> => {
    // SIGQUIT on parent death = an immediate shutdown: the postmaster takes its backends down with it.
    const fd = openSync(logPath, 'a');
    const [cmd, argv] = asUser(runAs, bin('postgres'), ['-D', dataDir], 'SIGQUIT');
    const c = spawn(cmd, argv, { env, cwd: dataDir, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    trackChild(c);
    child = c;
    // A holder, not a `let`: TS would narrow a let assigned only in a callback to `null` in the loop below.
    const spawned: { error: Error | null } = { error: null };
    c.once('error', (e) => (spawned.error = e));
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (spawned.error) throw fail(`could not be spawned: ${spawned.error.message}`);
      if (c.exitCode !== null || c.signalCode !== null) {
        throw fail(`exited during startup (code ${c.exitCode}, signal ${c.signalCode})`);
      }
      // pg_isready exits 0 only once connections are accepted (i.e. after any crash recovery has finished).
      const r = await runCmd(
        bin('pg_isready'),
        ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER, '-d', 'postgres'],
        {
          env,
          timeoutMs: 5_000,
        },
      );
      if (r.code === 0) return;
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        throw fail(`not ready within ${startTimeoutMs} ms`, r);
      }
      await sleep(100);
    }
  };

  /** Stops the current postmaster with a pg_ctl shutdown mode and waits until the tracked process is gone. */
  const shutdown = async (mode: 'fast' | 'immediate'): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const r = await pgRun(
      'pg_ctl',
      ['stop', '-D', dataDir, '-m', mode, '-w', '-t', String(STOP_TIMEOUT_MS / 1000)],
      STOP_TIMEOUT_MS + 5_000,
    );
    if (!(await waitExit(c, r.code === 0 ? STOP_TIMEOUT_MS : 1_000))) {
      c.kill('SIGKILL');
      await waitExit(c, 5_000);
    }
    child = null;
  };

  try {
    if (runAs) chownSync(dataDir, runAs.uid, runAs.gid);
    // --no-sync only skips initdb's own flush; the server itself runs with fsync=on.
    const init = await pgRun('initdb', [
      '-D',
      dataDir,
      '-U',
      SUPERUSER,
      '--auth=trust',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    if (init.code !== 0) throw fail('initdb failed', init);
    const settings: Record<string, string | number> = {
      listen_addresses: "'127.0.0.1'",
      port,
      unix_socket_directories: `'${dataDir}'`,
      wal_level: 'logical',
      max_replication_slots: 10,
      max_wal_senders: 10,
      fsync: 'on',
      ...opts.settings,
    };
    // Appending keeps the file's owner; later lines override initdb's defaults.
    appendFileSync(
      join(dataDir, 'postgresql.conf'),
      '\n# tributary test harness\n' +
        Object.entries(settings)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n') +
        '\n',
    );
    writeFileSync(
      join(dataDir, 'pg_hba.conf'),
      [
        '# tributary test harness: trust everything local, including replication (logical decoding) connections',
        'local all all trust',
        'local replication all trust',
        'host all all 127.0.0.1/32 trust',
        'host replication all 127.0.0.1/32 trust',
        '',
      ].join('\n'),
    );
  } catch (e) {
    removeDir(dataDir);
    throw e;
  }

  const handle: PostgresHandle = {
    port,
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`,
    dataDir,
    get pid(): number {
      return child?.pid ?? -1;
    },
    async query<R extends QueryResultRow = QueryResultRow>(
      sql: string,
      params?: unknown[],
    ): Promise<QueryResult<R>> {
      // Loaded on first use so the many specs importing @tributary/testing never need the driver.
      const { Client } = await import('pg');
      const client = new Client({ connectionString: handle.url });
      await client.connect();
      try {
        return await client.query<R>(sql, params);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async restartImmediate(): Promise<void> {
      if (disposed) throw new Error('postgres handle already disposed');
      // Same as `pg_ctl restart -m immediate`, except the new postmaster is our tracked child, not a daemon.
      await shutdown('immediate');
      await launch();
    },
    async stop(): Promise<void> {
      await shutdown('fast');
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      liveHandles.delete(handle);
      try {
        await shutdown('fast');
      } finally {
        removeDir(dataDir);
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
