import { startBroker, type BrokerHandle, type StartBrokerOptions } from '../broker-process';

/**
 * What a chaos scenario may do to the system under test. A single broker today; a multi-broker cluster (several
 * nodes, a partition leader to chase) implements the same interface later, so scenarios and faults stay as they are.
 */
export interface ChaosNode {
  /** `broker-0`, `broker-1`, ... (used in history fault ops and log file names). */
  readonly name: string;
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

export interface ChaosCluster {
  /** Client bootstrap list (`host:port,host:port`). */
  readonly bootstrap: string;
  readonly nodes: readonly ChaosNode[];
  /** The node leading a partition now (the one to kill in leader-chasing faults). */
  leaderOf(topic: string, partition: number): Promise<ChaosNode>;
  /** Resumes paused nodes and stops everything; removes data only when `keepData` is false. */
  dispose(keepData: boolean): Promise<void>;
}

class BrokerNode implements ChaosNode {
  paused = false;

  constructor(
    readonly name: string,
    private readonly broker: BrokerHandle,
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
    leaderOf: async () => node,
    dispose: (keepData) => node.dispose(keepData),
  };
}
