// Group commit: logs mark themselves dirty as they append; a round fdatasyncs every dirty file of every log in
// parallel and then tells each log how far it is durable. Requests that arrive during a round join the next one,
// so one fsync round serves any number of producers (the disk gives ~1.5k fsyncs/s; batching is the only way up).
import * as fs from 'node:fs';

/** What one log asks to sync in a round, and the token it gets back when the round completes. */
export interface FlushWork {
  /** Files written since the last round: fdatasync. */
  fds: number[];
  /** Directories with new or renamed entries: fsync. */
  dirFds: number[];
  /** Opaque to the scheduler (the log end offset at round start). */
  token: number;
}

export interface FlushTarget {
  /** Called at the start of a round; the target is removed from the dirty set and must re-mark itself. */
  beginFlush(): FlushWork;
  /** Called once the round's syncs finished; `error` is the first failure, if any. */
  endFlush(work: FlushWork, error: unknown): void;
}

function syncFd(fd: number, full: boolean): Promise<unknown> {
  return new Promise((resolve) => (full ? fs.fsync : fs.fdatasync)(fd, (err) => resolve(err ?? undefined)));
}

export class FlushScheduler {
  private readonly dirty = new Set<FlushTarget>();
  private waiters: Array<() => void> = [];
  private running = false;
  private scheduled = false;
  /** Completed rounds (for tests and metrics). */
  rounds = 0;
  /** fdatasync/fsync calls issued (files and directories). */
  syncCalls = 0;
  /** Of those, directory fsyncs (new or removed segment files). */
  dirSyncCalls = 0;

  markDirty(target: FlushTarget): void {
    this.dirty.add(target);
  }

  /** Forget a target (closed log); an in-flight round still completes for it. */
  remove(target: FlushTarget): void {
    this.dirty.delete(target);
  }

  /** Ensures a round starts soon: after the current one, or on the next turn of the event loop. */
  requestRound(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (!this.running) setImmediate(this.runRound);
  }

  /** Resolves when a round that starts after this call has completed (everything dirty now is synced). */
  flushAll(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.requestRound();
    });
  }

  private readonly runRound = (): void => {
    this.scheduled = false;
    this.running = true;
    const targets = [...this.dirty];
    this.dirty.clear();
    const waiters = this.waiters;
    this.waiters = [];
    const works: FlushWork[] = [];
    const pending: Array<Promise<unknown>> = [];
    for (const target of targets) {
      const work = target.beginFlush();
      works.push(work);
      const syncs = [
        ...work.fds.map((fd) => syncFd(fd, false)),
        ...work.dirFds.map((fd) => syncFd(fd, true)),
      ];
      this.syncCalls += syncs.length;
      this.dirSyncCalls += work.dirFds.length;
      pending.push(Promise.all(syncs).then((errors) => errors.find((e) => e !== undefined)));
    }
    void Promise.all(pending).then((errors) => {
      for (let i = 0; i < targets.length; i++) {
        try {
          targets[i]!.endFlush(works[i]!, errors[i]);
        } catch (err) {
          process.emitWarning(`flush completion failed: ${String(err)}`);
        }
      }
      this.rounds++;
      this.running = false;
      for (const resolve of waiters) resolve();
      if (this.scheduled) setImmediate(this.runRound);
    });
  };
}
