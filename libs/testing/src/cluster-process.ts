import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { acceptsConnections, sleep } from './broker-process';
import { trackChild } from './child-registry';
import { freePort } from './free-port';
import { builtCliPath, repoRoot } from './repo-root';
import { makeTempDir, removeDir } from './temp-dir';
import { childNodeArgs } from './profiling';

export interface ClusterNode {
  readonly name: string;
  readonly port: number;
  /** This node's data directory (kept across restarts). */
  readonly dataDir: string;
  /** Pid of the current process (changes on restart); -1 before the first start. */
  readonly pid: number;
  readonly running: boolean;
  /** True between `pause` and `resume` (or until the process dies). */
  readonly paused: boolean;
  /** SIGKILL and wait for exit. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /**
   * Starts the process again on the same data dir and port (stopping it first with SIGTERM if it still runs)
   * and resolves once it listens.
   */
  restart(): Promise<void>;
  /** SIGSTOP: the process freezes; its sockets stay open and the kernel keeps accepting connections. */
  pause(): void;
  /** SIGCONT after `pause`; a no-op otherwise. */
  resume(): void;
  /** Everything the process printed, every run, most recent 1 MB. */
  logs(): string;
}

export interface ClusterBroker extends ClusterNode {
  readonly nodeId: number;
  /** `127.0.0.1:<port>` */
  readonly bootstrap: string;
}

export interface StartClusterOptions {
  brokers?: number;
  /** Coordinator lease: how long a killed broker keeps its leaderships. Default 3000 ms. */
  leaseMs?: number;
  heartbeatMs?: number;
  /** Broker settings (Kafka names), passed to every broker with --set. */
  brokerConfig?: Record<string, string | number | boolean>;
  startTimeoutMs?: number;
  /**
   * Parent of the data dirs (`coordinator/`, `broker-N/`); a temp dir when omitted. Only a temp dir is removed
   * by `dispose`.
   */
  dataDir?: string;
}

export interface ClusterHandle {
  readonly coordinator: ClusterNode;
  readonly coordinatorAddress: string;
  readonly brokers: ClusterBroker[];
  /** Bootstrap list of every broker. */
  readonly bootstrap: string[];
  /** Parent of every node's data dir. */
  readonly dataDir: string;
  broker(nodeId: number): ClusterBroker;
  /** Everything every process printed, for failure messages. */
  logs(): string;
  /** Stops every process and removes the data directories if this helper created them. */
  dispose(): Promise<void>;
}

const LOG_CAP = 1024 * 1024;
const STOP_GRACE_MS = 10_000;

/**
 * One restartable process of the built CLI (`node dist/apps/cli/src/main.js <args>`): the same arguments, data
 * dir and port on every start, output kept across runs.
 */
class ProcessNode implements ClusterNode {
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: string | null = null;
  private log = '';
  private stopped = false;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly dataDir: string,
    private readonly args: readonly string[],
    private readonly startTimeoutMs: number,
  ) {}

  get pid(): number {
    return this.proc?.pid ?? -1;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  get paused(): boolean {
    return this.stopped && this.running;
  }

  logs(): string {
    return this.log;
  }

  /** Spawns the process and resolves once its port accepts connections (rejects with its output otherwise). */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    this.append(`\n=== starting ${this.name}: ${this.args.join(' ')} ===\n`);
    const proc = spawn(process.execPath, [...childNodeArgs(), builtCliPath(), ...this.args], {
      cwd: repoRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.stopped = false;
    this.exitInfo = null;
    trackChild(proc);
    proc.stdout!.on('data', (c: Buffer) => this.append(c));
    proc.stderr!.on('data', (c: Buffer) => this.append(c));
    proc.once('error', (e) => this.append(`\n=== spawn error: ${e.message} ===\n`));
    this.exited = new Promise<void>((resolve) =>
      proc.once('exit', (code, signal) => {
        if (this.proc === proc) {
          this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
          this.stopped = false;
        }
        this.append(
          `\n=== ${this.name} ${signal ? `killed by ${signal}` : `exited with code ${code}`} ===\n`,
        );
        resolve();
      }),
    );
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      if (this.exitInfo !== null)
        throw new Error(
          `${this.name} ${this.exitInfo} before listening on ${this.port}; its output:\n${this.log.slice(-8000)}`,
        );
      if (await acceptsConnections(this.port)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        await this.exited;
        throw new Error(
          `${this.name} did not listen on ${this.port} within ${this.startTimeoutMs} ms; its output:\n${this.log.slice(-8000)}`,
        );
      }
      await sleep(100);
    }
  }

  async kill9(): Promise<void> {
    if (!this.running) return;
    this.proc!.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const proc = this.proc!;
    this.resume();
    proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.append(`\n=== ${this.name} did not exit ${STOP_GRACE_MS} ms after SIGTERM; sending SIGKILL ===\n`);
      proc.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  pause(): void {
    if (!this.running) throw new Error(`cannot pause ${this.name}: it is not running`);
    this.proc!.kill('SIGSTOP');
    this.stopped = true;
  }

  resume(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.running) this.proc!.kill('SIGCONT');
  }

  private append(c: Buffer | string): void {
    this.log += c.toString();
    if (this.log.length > LOG_CAP) this.log = this.log.slice(this.log.length - LOG_CAP);
  }
}

/**
 * Starts the built coordinator (`tributary coordinator`) and `brokers` brokers (`tributary broker --node-id N
 * --coordinator ...`) as real processes on free loopback ports, and resolves once every broker is registered and
 * unfenced (each one's Metadata lists all of them). Every node can be killed, paused and restarted on its own
 * data dir and port. Requires `npm run build`.
 */
export async function startCluster(opts: StartClusterOptions = {}): Promise<ClusterHandle> {
  if (!existsSync(builtCliPath())) {
    throw new Error(`the CLI is not built: ${builtCliPath()} is missing; run \`npm run build\``);
  }
  const n = opts.brokers ?? 3;
  const leaseMs = opts.leaseMs ?? 3000;
  const heartbeatMs = opts.heartbeatMs ?? Math.max(50, Math.floor(leaseMs / 10));
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const ownsRoot = opts.dataDir === undefined;
  const root = opts.dataDir ?? makeTempDir('tributary-cluster-');
  mkdirSync(root, { recursive: true });
  const nodes: ProcessNode[] = [];
  const brokers: ClusterBroker[] = [];
  const dispose = async (): Promise<void> => {
    for (const b of brokers) await b.stop();
    for (const x of nodes) await x.stop();
    if (ownsRoot) removeDir(root);
  };
  const allLogs = (): string =>
    nodes.map((x) => `----- ${x.name} -----\n${x.logs().slice(-20_000)}`).join('\n');
  try {
    const cport = await freePort();
    const coordinatorDir = join(root, 'coordinator');
    const coordinator = new ProcessNode(
      'coordinator',
      cport,
      coordinatorDir,
      [
        'coordinator',
        '--data-dir',
        coordinatorDir,
        '--port',
        String(cport),
        '--lease-ms',
        String(leaseMs),
        '--heartbeat-ms',
        String(heartbeatMs),
      ],
      timeoutMs,
    );
    nodes.push(coordinator);
    await coordinator.start();
    const address = `127.0.0.1:${cport}`;
    for (let id = 1; id <= n; id++) {
      const port = await freePort();
      const dir = join(root, `broker-${id}`);
      const args = ['broker', '--node-id', String(id), '--coordinator', address];
      args.push('--data-dir', dir, '--kafka-port', String(port));
      for (const [k, v] of Object.entries(opts.brokerConfig ?? {})) args.push('--set', `${k}=${String(v)}`);
      const node = new ProcessNode(`broker-${id}`, port, dir, args, timeoutMs);
      nodes.push(node);
      brokers.push(Object.assign(node, { nodeId: id, bootstrap: `127.0.0.1:${port}` }));
    }
    await Promise.all(nodes.filter((x) => x !== coordinator).map((x) => x.start()));
    for (const b of brokers) {
      await waitFor(
        async () => (await liveBrokerCount(b.bootstrap)) === n,
        timeoutMs,
        () => `${b.name} does not see ${n} live brokers`,
        allLogs,
      );
    }
    return {
      coordinator,
      coordinatorAddress: address,
      brokers,
      bootstrap: brokers.map((b) => b.bootstrap),
      dataDir: root,
      broker(nodeId: number) {
        const b = brokers.find((x) => x.nodeId === nodeId);
        if (!b) throw new Error(`no broker with node id ${nodeId} in this cluster (1..${n})`);
        return b;
      },
      logs: allLogs,
      dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}

async function liveBrokerCount(bootstrap: string): Promise<number> {
  const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length;
  } catch {
    return -1;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: () => string,
  logs: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what()} within ${timeoutMs} ms; output:\n${logs()}`);
    await sleep(100);
  }
}

/** A kafkajs client for a test cluster: quiet, and retrying long enough to ride out a leader election. */
export function clusterKafka(cluster: ClusterHandle, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: cluster.bootstrap,
    logLevel: logLevel.NOTHING,
    retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}
