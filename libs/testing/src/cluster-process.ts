import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { acceptsConnections, sleep } from './broker-process';
import { trackChild } from './child-registry';
import { freePort } from './free-port';
import { builtCliPath, repoRoot } from './repo-root';
import { makeTempDir, removeDir } from './temp-dir';

export interface ClusterNode {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  readonly running: boolean;
  /** SIGKILL and wait for exit. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
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
}

export interface ClusterHandle {
  readonly coordinator: ClusterNode;
  readonly coordinatorAddress: string;
  readonly brokers: ClusterBroker[];
  /** Bootstrap list of every broker. */
  readonly bootstrap: string[];
  broker(nodeId: number): ClusterBroker;
  /** Everything every process printed, for failure messages. */
  logs(): string;
  /** Stops every process and removes the data directories. */
  dispose(): Promise<void>;
}

const LOG_CAP = 1024 * 1024;

function launch(name: string, args: string[]): { node: ClusterNode; exited: Promise<void> } {
  let log = '';
  const proc: ChildProcess = spawn(process.execPath, [builtCliPath(), ...args], {
    cwd: repoRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(proc);
  const append = (c: Buffer | string): void => {
    log += c.toString();
    if (log.length > LOG_CAP) log = log.slice(log.length - LOG_CAP);
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      append(`\n=== ${name} ${signal ? `killed by ${signal}` : `exited with code ${code}`} ===\n`);
      resolve();
    }),
  );
  const running = (): boolean => proc.exitCode === null && proc.signalCode === null;
  const node: ClusterNode = {
    name,
    port: Number(args[args.indexOf(name.startsWith('broker') ? '--kafka-port' : '--port') + 1]),
    get pid() {
      return proc.pid ?? -1;
    },
    get running() {
      return running();
    },
    async kill9() {
      if (running()) proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!running()) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
    logs: () => log,
  };
  return { node, exited };
}

/**
 * Starts the built coordinator (`tributary coordinator`) and `brokers` brokers (`tributary broker --node-id N
 * --coordinator ...`) as real processes on free loopback ports, and resolves once every broker is registered and
 * unfenced (each one's Metadata lists all of them). Requires `npm run build`.
 */
export async function startCluster(opts: StartClusterOptions = {}): Promise<ClusterHandle> {
  if (!existsSync(builtCliPath())) {
    throw new Error(`the CLI is not built: ${builtCliPath()} is missing; run \`npm run build\``);
  }
  const n = opts.brokers ?? 3;
  const leaseMs = opts.leaseMs ?? 3000;
  const heartbeatMs = opts.heartbeatMs ?? Math.max(50, Math.floor(leaseMs / 10));
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const root = makeTempDir('tributary-cluster-');
  const nodes: ClusterNode[] = [];
  const brokers: ClusterBroker[] = [];
  const dispose = async (): Promise<void> => {
    for (const b of brokers) await b.stop();
    for (const x of nodes) await x.stop();
    removeDir(root);
  };
  const allLogs = (): string =>
    nodes.map((x) => `----- ${x.name} -----\n${x.logs().slice(-20_000)}`).join('\n');
  try {
    const cport = await freePort();
    const { node: coordinator } = launch('coordinator', [
      'coordinator',
      '--data-dir',
      join(root, 'coordinator'),
      '--port',
      String(cport),
      '--lease-ms',
      String(leaseMs),
      '--heartbeat-ms',
      String(heartbeatMs),
    ]);
    nodes.push(coordinator);
    await waitFor(
      () => acceptsConnections(cport),
      timeoutMs,
      () => `coordinator did not listen on ${cport}`,
      allLogs,
    );
    const address = `127.0.0.1:${cport}`;
    for (let id = 1; id <= n; id++) {
      const port = await freePort();
      const args = ['broker', '--node-id', String(id), '--coordinator', address];
      args.push('--data-dir', join(root, `broker-${id}`), '--kafka-port', String(port));
      for (const [k, v] of Object.entries(opts.brokerConfig ?? {})) args.push('--set', `${k}=${String(v)}`);
      const { node } = launch(`broker-${id}`, args);
      nodes.push(node);
      brokers.push(Object.assign(node, { nodeId: id, bootstrap: `127.0.0.1:${port}` }) as ClusterBroker);
    }
    for (const b of brokers) {
      await waitFor(
        () => acceptsConnections(b.port),
        timeoutMs,
        () => `${b.name} did not listen`,
        allLogs,
      );
    }
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
