import type { Cancel, Clock } from './clock';

interface Task {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A manual clock for state-machine tests: time moves only when the test calls `advance`. */
export class FakeClock implements Clock {
  private time = 1_700_000_000_000;
  private seq = 0;
  private tasks: Task[] = [];

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, fn: () => void): Cancel {
    const task: Task = { at: this.time + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.tasks.push(task);
    return () => {
      task.cancelled = true;
    };
  }

  /** Moves time forward, running every due callback in time order (callbacks may schedule more). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.tasks = this.tasks.filter((t) => !t.cancelled);
      const due = this.tasks.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = end;
  }
}
