import type { ConnectorDefinition, TaskSignal } from '@tributary/connect-sdk';
import { ConnectRequestError } from './connect-request-error';
import type { Logger } from '@tributary/common';
import type { ConnectorSpec, Transform } from '../pipeline/connector-spec';
import type { WorkerKafka } from '../kafka/worker-kafka';
import type { ConnectMetrics } from './metrics';
import type { OffsetStore } from './offset-store';
import { Gate } from './abortable-wait';
import { TaskTracker, type TaskState } from './task-tracker';
import { traceOf } from './error-policy';
import { SourceTaskRunner } from './source-task-runner';
import { SinkTaskRunner } from './sink-task-runner';
import type { TaskRunner } from './task-deps';

export type ConnectorState = 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED';

export interface WorkerContext {
  kafka: WorkerKafka;
  offsets: OffsetStore;
  metrics: ConnectMetrics;
  offsetFlushIntervalMs: number;
  groupPrefix: string;
  workerId: string;
  log: Logger;
  /** Called on every task state change (status topic, metrics). */
  onTaskChange(t: TaskTracker): void;
  buildTransforms(spec: ConnectorSpec): Transform[];
}

interface TaskSlot {
  tracker: TaskTracker;
  runner: TaskRunner | null;
  running: Promise<void> | null;
  restartTimer: NodeJS.Timeout | null;
  /** Consecutive failures since the task last made progress. */
  attempts: number;
}

/**
 * One connector: splits its config into tasks, runs them, applies pause/resume/stop, and restarts FAILED tasks
 * with exponential backoff (restart.auto), which Kafka Connect leaves to operators.
 */
export class ConnectorRunner {
  targetState: 'RUNNING' | 'PAUSED' | 'STOPPED';
  /** Set when the connector itself cannot run (task split failed). */
  failure: string | null = null;
  private slots: TaskSlot[] = [];
  private readonly pauseGate = new Gate();
  private closed = false;

  constructor(
    readonly spec: ConnectorSpec,
    readonly def: ConnectorDefinition,
    private readonly w: WorkerContext,
    targetState: 'RUNNING' | 'PAUSED' | 'STOPPED',
  ) {
    this.targetState = targetState;
  }

  get state(): ConnectorState {
    if (this.failure) return 'FAILED';
    return this.targetState;
  }

  tasks(): readonly TaskTracker[] {
    return this.slots.map((s) => s.tracker);
  }

  /** The running task's own details (e.g. snapshot progress, slot health), or null. */
  details(id: number): Record<string, unknown> | null {
    return this.slots[id]?.runner?.details() ?? null;
  }

  /** Sends an operator signal to every running task; refuses when the connector takes none. */
  async signal(s: TaskSignal): Promise<{ task: number; result: Record<string, unknown> }[]> {
    const out: { task: number; result: Record<string, unknown> }[] = [];
    for (const [i, slot] of this.slots.entries()) {
      if (slot.tracker.state !== 'RUNNING' && slot.tracker.state !== 'PAUSED') continue;
      const pending = slot.runner?.signal(s);
      if (!pending)
        throw new ConnectRequestError(
          400,
          `connector ${this.spec.name} (${this.spec.type}) takes no signals`,
        );
      out.push({ task: i, result: await pending });
    }
    if (out.length === 0)
      throw new ConnectRequestError(
        409,
        `connector ${this.spec.name} has no running task to signal; see its status`,
      );
    return out;
  }

  async start(): Promise<void> {
    if (this.targetState === 'STOPPED') return;
    if (this.targetState === 'PAUSED') this.pauseGate.close();
    let configs: Record<string, unknown>[];
    try {
      configs = (this.def.taskConfigs?.(this.spec.config as never, this.spec.tasksMax) ?? [
        this.spec.config,
      ]) as Record<string, unknown>[];
    } catch (e) {
      this.failure = `cannot split the config into tasks: ${(e as Error).message}`;
      this.w.log.error({ connector: this.spec.name, err: (e as Error).message }, 'connector failed');
      return;
    }
    this.slots = configs.map((_, id) => ({
      tracker: new TaskTracker(this.spec.name, id, (t) => this.w.onTaskChange(t)),
      runner: null,
      running: null,
      restartTimer: null,
      attempts: 0,
    }));
    configs.forEach((cfg, id) => this.launch(id, cfg));
  }

  private launch(id: number, cfg: Record<string, unknown>): void {
    const slot = this.slots[id]!;
    if (this.closed) return;
    const deps = {
      spec: this.spec,
      taskId: id,
      taskConfig: cfg,
      kafka: this.w.kafka,
      offsets: this.w.offsets,
      metrics: this.w.metrics,
      tracker: slot.tracker,
      transforms: this.w.buildTransforms(this.spec),
      pauseGate: this.pauseGate,
      offsetFlushIntervalMs: this.w.offsetFlushIntervalMs,
      groupPrefix: this.w.groupPrefix,
      log: this.w.log.child({ connector: this.spec.name, task: id }),
    };
    const runner: TaskRunner =
      this.def.kind === 'source' ? new SourceTaskRunner(this.def, deps) : new SinkTaskRunner(this.def, deps);
    slot.runner = runner;
    const progressAtStart = slot.tracker.lastProgressAt;
    slot.running = runner.run().then(
      () => {
        if (!this.closed && this.targetState !== 'STOPPED') slot.tracker.setState('UNASSIGNED');
      },
      (e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        if (slot.tracker.lastProgressAt > progressAtStart) slot.attempts = 0;
        slot.attempts++;
        slot.tracker.setState('FAILED', traceOf(err));
        deps.log.error({ err: err.message, attempts: slot.attempts }, 'task failed');
        this.scheduleRestart(id, cfg);
      },
    );
  }

  private scheduleRestart(id: number, cfg: Record<string, unknown>): void {
    const slot = this.slots[id]!;
    const p = this.spec.restart;
    if (this.closed || !p.auto || (p.maxAttempts > 0 && slot.attempts > p.maxAttempts)) {
      slot.tracker.nextRestartAt = null;
      return;
    }
    const delay = Math.min(p.initialDelayMs * 2 ** (slot.attempts - 1), p.maxDelayMs);
    slot.tracker.nextRestartAt = Date.now() + delay;
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      slot.tracker.nextRestartAt = null;
      slot.tracker.restarts++;
      this.w.metrics.restarts.inc({ connector: this.spec.name, task: String(id) });
      slot.tracker.setState('RESTARTING');
      this.launch(id, cfg);
    }, delay);
  }

  pause(): void {
    this.targetState = 'PAUSED';
    this.pauseGate.close();
    // A sink with no incoming batches would otherwise keep saying RUNNING.
    for (const s of this.slots) if (s.tracker.state === 'RUNNING') s.tracker.setState('PAUSED');
  }

  resume(): void {
    this.targetState = 'RUNNING';
    this.pauseGate.open();
    for (const s of this.slots) if (s.tracker.state === 'PAUSED') s.tracker.setState('RUNNING');
  }

  /** Restarts tasks (all, or only FAILED ones), e.g. after fixing the cause of a failure. */
  async restart(onlyFailed = false, taskId?: number): Promise<void> {
    const ids = this.slots
      .map((s, i) => ({ s, i }))
      .filter(
        ({ s, i }) => (taskId === undefined || i === taskId) && (!onlyFailed || s.tracker.state === 'FAILED'),
      );
    const configs = (this.def.taskConfigs?.(this.spec.config as never, this.spec.tasksMax) ?? [
      this.spec.config,
    ]) as Record<string, unknown>[];
    for (const { s, i } of ids) {
      await this.stopSlot(s);
      s.attempts = 0;
      s.tracker.restarts++;
      // The metric's help says "automatic and requested task restarts": count requested ones too.
      this.w.metrics.restarts.inc({ connector: this.spec.name, task: String(i) });
      s.tracker.setState('RESTARTING');
      this.launch(i, configs[i]!);
    }
  }

  private async stopSlot(s: TaskSlot): Promise<void> {
    if (s.restartTimer) clearTimeout(s.restartTimer);
    s.restartTimer = null;
    s.tracker.nextRestartAt = null;
    await s.runner?.stop();
    await s.running?.catch(() => undefined);
    s.runner = null;
    s.running = null;
  }

  /** Stops every task gracefully (sources write their acked offsets, sinks finish their batch). */
  async shutdown(finalState: TaskState = 'UNASSIGNED'): Promise<void> {
    this.closed = true;
    this.pauseGate.open();
    await Promise.all(this.slots.map((s) => this.stopSlot(s)));
    for (const s of this.slots) s.tracker.setState(finalState);
  }

  /** Kafka Connect's STOPPED: tasks shut down and release resources; the connector stays defined. */
  async stopConnector(): Promise<void> {
    this.targetState = 'STOPPED';
    await this.shutdown('STOPPED');
    this.slots = [];
  }
}
