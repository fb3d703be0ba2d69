import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { trackChild } from './child-registry';
import { freePort } from './free-port';
import { builtCliPath, repoRoot } from './repo-root';
import { makeTempDir, removeDir } from './temp-dir';
import { childNodeArgs } from './profiling';

export interface StartBrokerOptions {
  /** Data directory; a fresh temp dir (removed by `dispose`) when omitted. */
  dataDir?: string;
  /** Kafka listener port; a free loopback port when omitted. */
  port?: number;
  /** Broker settings by their Kafka names (`num.partitions`, `message.max.bytes`, ...), written to a JSON config file. */
  config?: Record<string, unknown>;
  /** Extra environment for the broker process. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the listener to accept connections. Default 20 s. */
  startTimeoutMs?: number;
  /** Script to run instead of the built CLI (the harness's own tests use a stand-in). */
  entry?: string;
  /**
   * Command-line arguments instead of `start --data-dir D --kafka-port P` (e.g. a connect worker, whose REST
   * port is then `port`: readiness is the same "accepts TCP connections on port").
   */
  args?: (port: number, dataDir: string) => string[];
  /** Names the process in logs and errors; default "broker". */
  label?: string;
}

export interface BrokerHandle {
  readonly port: number;
  readonly dataDir: string;
  /** `127.0.0.1:<port>`, for client bootstrap lists. */
  readonly bootstrap: string;
  /** Pid of the current broker process (changes on restart). */
  readonly pid: number;
  /** SIGTERM and wait for the process to exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit: a crash with no chance to flush or clean up. */
  kill9(): Promise<void>;
  /** Starts the broker again on the same data dir and port (stopping it first if it still runs). */
  restart(): Promise<void>;
  /** Everything the broker printed on stdout and stderr, all runs, most recent 2 MB. */
  logs(): string;
  /** Resident memory of the broker process in bytes (Linux /proc), or null if unavailable. */
  rssBytes(): number | null;
  /** Stops the broker and removes the data dir and config if this helper created them. */
  dispose(): Promise<void>;
}

const LOG_CAP = 2 * 1024 * 1024;
const STOP_GRACE_MS = 10_000;

/**
 * Starts the built broker (`node dist/apps/cli/src/main.js start ...`) as a real process and waits until its
 * Kafka listener accepts TCP connections. Fails with the process output if it exits first or is not ready in
 * time. Requires `npm run build` (the `pretest` script does it).
 */
export async function startBroker(opts: StartBrokerOptions = {}): Promise<BrokerHandle> {
  const main = opts.entry ?? builtCliPath();
  if (!existsSync(main)) {
    throw new Error(
      `the broker is not built: ${main} is missing; run \`npm run build\` (npm test does it in pretest)`,
    );
  }
  const ownsDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? makeTempDir('tributary-data-');
  const port = opts.port ?? (await freePort());
  const configDir = opts.config ? makeTempDir('tributary-config-') : null;
  const configPath = configDir ? join(configDir, 'broker.json') : null;
  if (configPath) writeFileSync(configPath, JSON.stringify(opts.config, null, 2));
  const startTimeoutMs = opts.startTimeoutMs ?? 20_000;

  let log = '';
  const append = (chunk: Buffer | string): void => {
    log += chunk.toString();
    if (log.length > LOG_CAP) log = log.slice(log.length - LOG_CAP);
  };
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const args = opts.args
    ? opts.args(port, dataDir)
    : ['start', '--data-dir', dataDir, '--kafka-port', String(port)];
  if (configPath) args.push('--config', configPath);
  const label = opts.label ?? 'broker';

  const launch = async (): Promise<void> => {
    append(`\n=== starting ${label}: ${main} ${args.join(' ')} ===\n`);
    const proc = spawn(process.execPath, [...childNodeArgs(), main, ...args], {
      cwd: repoRoot(),
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    trackChild(proc);
    proc.stdout!.on('data', append);
    proc.stderr!.on('data', append);
    let exitInfo: string | null = null;
    exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
        append(`\n=== ${label} ${exitInfo} ===\n`);
        resolve();
      });
    });
    proc.once('error', (e) => append(`\n=== spawn error: ${e.message} ===\n`));
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (exitInfo !== null) {
        throw new Error(
          `${label} ${exitInfo} before listening on 127.0.0.1:${port}; its output:\n${log.slice(-8000)}`,
        );
      }
      if (await acceptsConnections(port)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(
          `${label} did not accept connections on 127.0.0.1:${port} within ${startTimeoutMs} ms; its output:\n${log.slice(-8000)}`,
        );
      }
      await sleep(100);
    }
  };

  const running = (): boolean => child !== null && child.exitCode === null && child.signalCode === null;

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    if (!running()) return;
    const proc = child!;
    proc.kill(signal);
    if (signal === 'SIGKILL') {
      await exited;
      return;
    }
    const timer = setTimeout(() => {
      append(`\n=== ${label} did not exit ${STOP_GRACE_MS} ms after ${signal}; sending SIGKILL ===\n`);
      proc.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    await launch();
  } catch (e) {
    // Nothing will ever dispose a broker that never started: clean up what this call created.
    if (ownsDataDir) removeDir(dataDir);
    if (configDir) removeDir(configDir);
    throw e;
  }

  const handle: BrokerHandle = {
    port,
    dataDir,
    bootstrap: `127.0.0.1:${port}`,
    get pid(): number {
      return child?.pid ?? -1;
    },
    stop: () => terminate('SIGTERM'),
    kill9: () => terminate('SIGKILL'),
    async restart() {
      await terminate('SIGTERM');
      await launch();
    },
    logs: () => log,
    rssBytes() {
      if (!running() || child?.pid === undefined) return null;
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
        return m ? Number(m[1]) * 1024 : null;
      } catch {
        return null;
      }
    },
    async dispose() {
      await terminate('SIGTERM');
      if (ownsDataDir) removeDir(dataDir);
      if (configDir) removeDir(configDir);
    },
  };
  return handle;
}

/** True if a TCP connection to 127.0.0.1:port is accepted within a second. */
export function acceptsConnections(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
