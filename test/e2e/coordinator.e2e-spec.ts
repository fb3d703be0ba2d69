import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  ClusterState,
  CoordinatorClient,
  CoordinatorError,
  type FetchMetadataResponse,
  type PartitionState,
} from '@tributary/cluster';
import {
  acceptsConnections,
  builtCliPath,
  freePort,
  makeTempDir,
  removeDir,
  repoRoot,
  sleep,
  trackChild,
} from '@tributary/testing';

jest.setTimeout(120_000);

const LEASE_MS = 1500;

/** The built `tributary coordinator` as a real process, restartable on the same data dir and port. */
class CoordinatorProcess {
  private child: ChildProcess | null = null;
  private output = '';

  constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  async start(): Promise<void> {
    const main = builtCliPath();
    if (!existsSync(main)) throw new Error(`${main} is missing; run \`npm run build\` first`);
    const args = [
      'coordinator',
      '--data-dir',
      this.dataDir,
      '--port',
      String(this.port),
      '--lease-ms',
      String(LEASE_MS),
    ];
    const proc = spawn(process.execPath, [main, ...args], {
      cwd: repoRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(proc);
    this.child = proc;
    proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!(await acceptsConnections(this.port))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`coordinator did not start on port ${this.port}; its output:\n${this.output}`);
      }
      await sleep(50);
    }
  }

  async kill9(): Promise<void> {
    const proc = this.child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  logs(): string {
    return this.output;
  }
}

/** Brokers as the coordinator sees them: a registration and a heartbeat loop that can be stopped. */
class FakeBroker {
  epoch = 0;
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    readonly nodeId: number,
    private readonly client: CoordinatorClient,
  ) {}

  async register(): Promise<void> {
    const r = await this.client.register({
      nodeId: this.nodeId,
      host: '127.0.0.1',
      port: 19000 + this.nodeId,
    });
    this.epoch = r.brokerEpoch;
    const hb = await this.client.heartbeat({ nodeId: this.nodeId, brokerEpoch: this.epoch });
    expect(hb).toMatchObject({ status: 'ok', fenced: false });
  }

  startHeartbeats(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          const r = await this.client.heartbeat({ nodeId: this.nodeId, brokerEpoch: this.epoch });
          if (r.status !== 'ok') throw new Error(`broker ${this.nodeId} was told: ${r.reason}`);
        } catch (e) {
          // The coordinator is briefly down while a test restarts it; anything else is a failure.
          if (!(e instanceof CoordinatorError && e.code === 'REQUEST_TIMED_OUT')) throw e;
        }
        await sleep(LEASE_MS / 5);
      }
    })();
  }

  async stopHeartbeats(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** A broker-side view kept up to date from metadata.fetch, the way brokers will follow the coordinator. */
async function catchUp(client: CoordinatorClient, view: ClusterState): Promise<ClusterState> {
  for (;;) {
    const r: FetchMetadataResponse = await client.fetchMetadata(view.offset);
    if (r.kind === 'snapshot') view = ClusterState.fromSnapshot(r.snapshot);
    else for (const e of r.entries) view.apply(e);
    if (view.offset >= r.offset) return view;
  }
}

async function refusal(p: Promise<unknown>): Promise<CoordinatorError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CoordinatorError) return e;
    throw e;
  }
  throw new Error('expected the coordinator to refuse, but it accepted');
}

describe('coordinator (built process, driven by CoordinatorClient)', () => {
  let dir: string;
  let coord: CoordinatorProcess;
  let client: CoordinatorClient;
  let brokers: FakeBroker[] = [];

  beforeAll(async () => {
    dir = makeTempDir('tributary-coordinator-');
    coord = new CoordinatorProcess(dir, await freePort());
    await coord.start();
    client = new CoordinatorClient({ host: '127.0.0.1', port: coord.port, requestTimeoutMs: 3000 });
  });
  afterAll(async () => {
    for (const b of brokers) await b.stopHeartbeats().catch(() => undefined);
    await client?.close();
    await coord?.kill9();
    if (dir) removeDir(dir);
  });

  it('keeps brokers, topics and epochs across kill -9, fences a silent broker and moves its leadership, refuses stale ISR changes', async () => {
    brokers = [1, 2, 3].map((id) => new FakeBroker(id, client));
    for (const b of brokers) await b.register();
    for (const b of brokers) b.startHeartbeats();

    const created = await client.createTopic({ name: 'orders', numPartitions: 3, replicationFactor: 3 });
    for (const p of created.partitions) {
      expect([...p.replicas].sort()).toEqual([1, 2, 3]);
      expect(p).toMatchObject({ leader: p.replicas[0], isr: p.replicas, leaderEpoch: 0, partitionEpoch: 0 });
    }
    expect(new Set(created.partitions.map((p) => p.leader)).size).toBe(3);
    expect(
      (await refusal(client.createTopic({ name: 'big', numPartitions: 1, replicationFactor: 4 }))).code,
    ).toBe('INVALID_REPLICATION_FACTOR');

    // Crash the coordinator and bring it back on the same directory: nothing acknowledged may be missing.
    let view = await catchUp(client, new ClusterState());
    const before = view.toSnapshot();
    await coord.kill9();
    await coord.start();
    view = await catchUp(client, new ClusterState());
    expect(view.toSnapshot()).toEqual(before);
    expect(view.topic('orders')!.id).toBe(created.id);
    for (const b of brokers)
      expect(view.broker(b.nodeId)).toMatchObject({ brokerEpoch: b.epoch, fenced: false });
    // Brokers keep their registrations: heartbeats at the old epochs are accepted after the restart.
    for (const b of brokers) {
      expect(await client.heartbeat({ nodeId: b.nodeId, brokerEpoch: b.epoch })).toMatchObject({
        status: 'ok',
      });
    }

    // The leader of partition 0 goes silent: after its lease it is fenced and an ISR member leads, epoch + 1.
    const p0: PartitionState = view.topic('orders')!.partitions[0]!;
    const silent = brokers.find((b) => b.nodeId === p0.leader)!;
    await silent.stopHeartbeats();
    const deadline = Date.now() + 30_000;
    while (!view.broker(silent.nodeId)!.fenced) {
      if (Date.now() > deadline)
        throw new Error(`broker ${silent.nodeId} was never fenced:\n${coord.logs()}`);
      await sleep(100);
      view = await catchUp(client, view);
    }
    const moved = view.topic('orders')!.partitions[0]!;
    expect(moved.leader).not.toBe(silent.nodeId);
    expect(p0.isr).toContain(moved.leader);
    expect(moved.isr).not.toContain(silent.nodeId);
    expect(moved.leaderEpoch).toBe(p0.leaderEpoch + 1);
    for (const b of brokers) if (b !== silent) expect(view.broker(b.nodeId)!.fenced).toBe(false);
    expect(await client.heartbeat({ nodeId: silent.nodeId, brokerEpoch: silent.epoch - 1 })).toMatchObject({
      status: 'fenced',
    });

    // ISR changes are a compare-and-set on the partition epoch.
    const leader = brokers.find((b) => b.nodeId === moved.leader)!;
    const alter = {
      topic: 'orders',
      partition: 0,
      leaderId: leader.nodeId,
      brokerEpoch: leader.epoch,
      leaderEpoch: moved.leaderEpoch,
      partitionEpoch: moved.partitionEpoch,
      newIsr: [leader.nodeId],
    };
    const shrunk = await client.alterIsr(alter);
    expect(shrunk).toMatchObject({
      leader: leader.nodeId,
      isr: [leader.nodeId],
      partitionEpoch: moved.partitionEpoch + 1,
    });
    const stale = await refusal(client.alterIsr({ ...alter, newIsr: moved.isr }));
    expect(stale).toMatchObject({ code: 'INVALID_UPDATE_VERSION', kafkaCode: 95 });
    expect(stale.message).toMatch(/partition epoch \d+ of orders-0 is not the current \d+/);
    // The old leader (a zombie that missed the change) cannot change the ISR either.
    const zombie = await refusal(
      client.alterIsr({
        ...alter,
        leaderId: silent.nodeId,
        brokerEpoch: silent.epoch,
        leaderEpoch: p0.leaderEpoch,
        partitionEpoch: shrunk.partitionEpoch,
      }),
    );
    expect(zombie.code).toBe('FENCED_LEADER_EPOCH');
    view = await catchUp(client, view);
    expect(view.topic('orders')!.partitions[0]).toEqual(shrunk);
  });

  it('refuses malformed requests with INVALID_REQUEST and names the field', async () => {
    const e = await refusal(client.register({ nodeId: -1, host: '', port: 1 }));
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.message).toMatch(/bad broker.register request: nodeId: .*; host: /);
  });
});
