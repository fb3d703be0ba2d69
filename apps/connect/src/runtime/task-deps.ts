import type { Logger } from '@tributary/common';
import type { TaskSignal } from '@tributary/connect-sdk';
import type { ConnectorSpec, Transform } from '../pipeline/connector-spec';
import type { WorkerKafka } from '../kafka/worker-kafka';
import type { ConnectMetrics } from './metrics';
import type { OffsetStore } from './offset-store';
import type { TaskTracker } from './task-tracker';
import type { Gate } from './abortable-wait';

/** Everything a task runner needs from its connector and worker. */
export interface TaskDeps {
  spec: ConnectorSpec;
  taskId: number;
  /** This task's share of the connector config. */
  taskConfig: Record<string, unknown>;
  kafka: WorkerKafka;
  offsets: OffsetStore;
  metrics: ConnectMetrics;
  tracker: TaskTracker;
  transforms: readonly Transform[];
  /** Closed while the connector is paused. */
  pauseGate: Gate;
  offsetFlushIntervalMs: number;
  groupPrefix: string;
  log: Logger;
}

/** Runs one task until stopped (resolves) or failed (rejects). */
export interface TaskRunner {
  run(): Promise<void>;
  stop(): Promise<void>;
  /** The task's own status details, if it reports any. */
  details(): Record<string, unknown> | null;
  /** Forwards an operator signal; null when the task takes no signals. */
  signal(s: TaskSignal): Promise<Record<string, unknown>> | null;
}

/** The context fields every task gets, source or sink. */
export function baseContext(d: TaskDeps, signal: AbortSignal) {
  return { connector: d.spec.name, taskId: d.taskId, config: d.taskConfig, log: d.log, signal };
}
