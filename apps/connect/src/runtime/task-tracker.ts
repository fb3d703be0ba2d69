export type TaskState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING';

/**
 * One task's lifecycle and progress, as status reports it. `begin`/`end` bracket every call that can hang
 * (poll, send, put, flush, offset writes); a call open longer than the stall timeout makes the task STALLED,
 * the health state operators otherwise bolt on (a task that says RUNNING while stuck).
 */
export class TaskTracker {
  state: TaskState = 'UNASSIGNED';
  trace: string | null = null;
  restarts = 0;
  nextRestartAt: number | null = null;
  lastProgressAt = Date.now();
  private op: { name: string; since: number } | null = null;

  constructor(
    readonly connector: string,
    readonly id: number,
    private readonly onChange: (t: TaskTracker) => void,
  ) {}

  setState(state: TaskState, trace: string | null = null): void {
    if (this.state === state && this.trace === trace) return;
    this.state = state;
    this.trace = trace;
    this.onChange(this);
  }

  begin(name: string): void {
    this.op = { name, since: Date.now() };
  }

  end(): void {
    this.op = null;
  }

  progress(): void {
    this.lastProgressAt = Date.now();
  }

  /**
   * The call the task is stuck in, if it has been open longer than `timeoutMs`. A task still starting counts
   * (a `start` that never returns is the classic "says RUNNING, does nothing"); a paused, stopped or failed
   * one does not.
   */
  stalled(timeoutMs: number, now = Date.now()): { op: string; forMs: number } | null {
    if (!this.op || this.state === 'PAUSED' || this.state === 'STOPPED' || this.state === 'FAILED')
      return null;
    const forMs = now - this.op.since;
    return forMs > timeoutMs ? { op: this.op.name, forMs } : null;
  }
}
