import { acceptsConnections } from '../broker-process';
import { startBroker, type BrokerHandle, type StartBrokerOptions } from '../broker-process';
import { brokerMetadata, type MetadataView } from './metadata-probe';

/**
 * What a chaos scenario may do to the system under test: a single broker (`startSingleNodeCluster`) or a
 * coordinator with several brokers (`startMultiBrokerCluster`). Scenarios, faults and checkers only see this.
 */
export interface ChaosNode {
  /** `broker-0`, `broker-1`, ..., `coordinator` (used in history fault ops and log file names). */
  readonly name: string;
  readonly role: 'broker' | 'coordinator';
  kill9(): Promise<void>;
  /** Starts the node again on the same data dir and port. */
  restart(): Promise<void>;
  /** SIGSTOP: the process freezes, its sockets stay open, clients time out. */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  readonly paused: boolean;
  logs(): string;
}

/** One partition as the freshest broker answer describes it. */
export interface PartitionView {
  leader: ChaosNode | null;
  leaderEpoch: number;
  replicas: ChaosNode[];
  isr: ChaosNode[];
}

export interface ChaosCluster {
  /** Client bootstrap list (`host:port,host:port`). */
  readonly bootstrap: string;
  /** Every process: the brokers, then the coordinator if there is one. */
  readonly nodes: readonly ChaosNode[];
  readonly brokers: readonly ChaosNode[];
  readonly coordinator: ChaosNode | null;
  /** `host:port` of the coordinator's control RPC, or null without one. */
  readonly coordinatorAddress: string | null;
  /** The node leading a partition now (the one to kill in leader-chasing faults). */
  leaderOf(topic: string, partition: number): Promise<ChaosNode>;
  /** Leader, replicas and ISR of a partition now. */
  partitionView(topic: string, partition: number): Promise<PartitionView>;
  /** What one broker's Metadata answer says (every topic), asked of that broker alone. */
  brokerMetadata(node: ChaosNode, timeoutMs?: number): Promise<MetadataView>;
  /**
   * Waits until every broker runs and is listed as live, every partition of every topic has a leader and all its
   * replicas in the ISR, and every broker's Metadata answer agrees on topics, leaders and leader epochs. False if
   * that did not happen within `timeoutMs`.
   */
  awaitHealthy(timeoutMs: number): Promise<boolean>;
  /** A broker's data directory (its partition logs). */
  dataDirOf(node: ChaosNode): string;
  /** Resumes paused nodes and stops every process (SIGTERM), keeping the data. */
  stop(): Promise<void>;
  /** Stops everything (if still running); removes data only when `keepData` is false. */
  dispose(keepData: boolean): Promise<void>;
}

class BrokerNode implements ChaosNode {
  readonly role = 'broker' as const;
  paused = false;

  constructor(
    readonly name: string,
    readonly broker: BrokerHandle,
  ) {}

  kill9(): Promise<void> {
    this.resume(); // a stopped process dies on SIGKILL too, but the flag must not outlive it
    return this.broker.kill9();
  }

  restart(): Promise<void> {
    this.resume();
    return this.broker.restart();
  }

  pause(): void {
    process.kill(this.broker.pid, 'SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    try {
      process.kill(this.broker.pid, 'SIGCONT');
    } catch {
      // already gone
    }
  }

  logs(): string {
    return this.broker.logs();
  }

  async dispose(keepData: boolean): Promise<void> {
    this.resume();
    if (keepData) await this.broker.stop();
    else await this.broker.dispose();
  }
}

/** One broker process (startBroker) as a cluster of one: it leads every partition. */
export async function startSingleNodeCluster(opts: StartBrokerOptions = {}): Promise<ChaosCluster> {
  const broker = await startBroker(opts);
  const node = new BrokerNode('broker-0', broker);
  return {
    bootstrap: broker.bootstrap,
    nodes: [node],
    brokers: [node],
    coordinator: null,
    coordinatorAddress: null,
    leaderOf: async () => node,
    partitionView: async () => ({ leader: node, leaderEpoch: 0, replicas: [node], isr: [node] }),
    brokerMetadata: (_n, timeoutMs) => brokerMetadata(broker.port, timeoutMs),
    awaitHealthy: async () => !node.paused && (await acceptsConnections(broker.port)),
    dataDirOf: () => broker.dataDir,
    stop: async () => {
      node.resume();
      await broker.stop();
    },
    dispose: (keepData) => node.dispose(keepData),
  };
}
