import { sleep } from '../broker-process';
import { startCluster, type ClusterNode } from '../cluster-process';
import { removeDir } from '../temp-dir';
import type { ChaosCluster, ChaosNode, PartitionView } from './cluster';
import { brokerMetadata, type MetadataView } from './metadata-probe';

export interface MultiBrokerClusterOptions {
  brokers: number;
  /** Coordinator lease: a broker silent this long is fenced and loses its leaderships. */
  leaseMs: number;
  heartbeatMs?: number;
  /** Broker settings (Kafka names) for every broker. */
  brokerConfig?: Record<string, string | number | boolean>;
  /** Parent of the nodes' data dirs (`coordinator/`, `broker-N/`). */
  dataDir: string;
}

const PROBE_TIMEOUT_MS = 1500;

class ProcessChaosNode implements ChaosNode {
  constructor(
    readonly role: 'broker' | 'coordinator',
    readonly proc: ClusterNode,
    readonly nodeId: number,
  ) {}

  get name(): string {
    return this.proc.name;
  }
  get paused(): boolean {
    return this.proc.paused;
  }
  /** Running and not stopped: able to answer. */
  get up(): boolean {
    return this.proc.running && !this.proc.paused;
  }
  kill9(): Promise<void> {
    return this.proc.kill9();
  }
  restart(): Promise<void> {
    return this.proc.restart();
  }
  pause(): void {
    this.proc.pause();
  }
  resume(): void {
    this.proc.resume();
  }
  logs(): string {
    return this.proc.logs();
  }
}

/**
 * A coordinator and `brokers` brokers as real processes (`startCluster`), as a ChaosCluster: every node can be
 * killed, paused and restarted on its own data dir and port; leaders and ISRs come from the brokers' Metadata
 * answers, asked of each broker separately.
 */
export async function startMultiBrokerCluster(opts: MultiBrokerClusterOptions): Promise<ChaosCluster> {
  const handle = await startCluster({
    brokers: opts.brokers,
    leaseMs: opts.leaseMs,
    heartbeatMs: opts.heartbeatMs,
    brokerConfig: opts.brokerConfig,
    dataDir: opts.dataDir,
  });
  const brokers = handle.brokers.map((b) => new ProcessChaosNode('broker', b, b.nodeId));
  const coordinator = new ProcessChaosNode('coordinator', handle.coordinator, -1);
  const byId = new Map(brokers.map((b) => [b.nodeId, b]));
  const portOf = new Map(handle.brokers.map((b) => [b.name, b.port]));

  const metadataOf = (node: ChaosNode, timeoutMs = PROBE_TIMEOUT_MS): Promise<MetadataView> => {
    const port = portOf.get(node.name);
    if (port === undefined) return Promise.reject(new Error(`${node.name} is not a broker of this cluster`));
    return brokerMetadata(port, timeoutMs);
  };

  /** Every answering broker's view, in parallel; brokers that are down or do not answer are left out. */
  const views = async (): Promise<{ node: ProcessChaosNode; view: MetadataView }[]> => {
    const answers = await Promise.all(
      brokers
        .filter((b) => b.up)
        .map((node) =>
          metadataOf(node).then(
            (view) => ({ node, view }),
            () => null,
          ),
        ),
    );
    return answers.filter((a): a is { node: ProcessChaosNode; view: MetadataView } => a !== null);
  };

  const partitionView = async (topic: string, partition: number): Promise<PartitionView> => {
    let best: MetadataView['topics'][number]['partitions'][number] | null = null;
    for (const { view } of await views()) {
      const p = view.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partition === partition);
      if (p && (best === null || p.leaderEpoch > best.leaderEpoch)) best = p;
    }
    if (best === null) throw new Error(`no broker answered metadata for ${topic}/${partition}`);
    const nodes = (ids: number[]): ChaosNode[] => ids.flatMap((id) => byId.get(id) ?? []);
    return {
      leader: byId.get(best.leader) ?? null,
      leaderEpoch: best.leaderEpoch,
      replicas: nodes(best.replicas),
      isr: nodes(best.isr),
    };
  };

  /** Topics, leaders and leader epochs: equal on every broker once metadata has propagated. */
  const summary = (view: MetadataView): string =>
    JSON.stringify(view.topics.map((t) => [t.name, t.partitions.map((p) => [p.leader, p.leaderEpoch])]));
  const healthy = (view: MetadataView): boolean =>
    (view.brokers ?? []).length === brokers.length &&
    view.topics.every((t) => t.partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length));

  return {
    bootstrap: handle.bootstrap.join(','),
    nodes: [...brokers, coordinator],
    brokers,
    coordinator,
    coordinatorAddress: handle.coordinatorAddress,
    async leaderOf(topic, partition) {
      let last: unknown = null;
      for (let i = 0; i < 100; i++) {
        try {
          const v = await partitionView(topic, partition);
          const leader = v.leader as ProcessChaosNode | null;
          if (leader?.up) return leader;
          last = new Error(`metadata names ${leader?.name ?? 'no leader'} (epoch ${v.leaderEpoch})`);
        } catch (e) {
          last = e;
        }
        await sleep(200);
      }
      throw new Error(`no live leader of ${topic}/${partition} within 20 s: ${String(last)}`);
    },
    partitionView,
    brokerMetadata: metadataOf,
    async awaitHealthy(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (coordinator.up && brokers.every((b) => b.up)) {
          const answers = await views();
          const agreed = new Set(answers.map((a) => summary(a.view))).size === 1;
          if (answers.length === brokers.length && agreed && answers.every((a) => healthy(a.view)))
            return true;
        }
        if (Date.now() > deadline) return false;
        await sleep(200);
      }
    },
    dataDirOf(node) {
      const b = brokers.find((x) => x === node);
      if (!b) throw new Error(`${node.name} is not a broker of this cluster`);
      return b.proc.dataDir;
    },
    async stop() {
      for (const n of [...brokers, coordinator]) n.resume();
      for (const n of [...brokers, coordinator]) await n.proc.stop();
    },
    async dispose(keepData) {
      for (const n of [...brokers, coordinator]) n.resume();
      await handle.dispose();
      if (!keepData) removeDir(handle.dataDir);
    },
  };
}
