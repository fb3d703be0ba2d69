import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { removeDir } from './temp-dir';

/** The last `chars` characters of a server's log file, for error messages. */
export function logTail(path: string, chars: number): string {
  try {
    return readFileSync(path, 'utf8').slice(-chars);
  } catch {
    return '(no log)';
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true once the child exited, false after `timeoutMs`. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Private servers a test file has not disposed yet (a failed assertion, a forgotten dispose): disposed in a jest
 * `afterAll`, and their directories removed on process exit as a synchronous last resort (child-registry's own
 * hook SIGKILLs the processes).
 */
export class LiveServers<H extends { dispose(): Promise<void> }> {
  private readonly live = new Set<H>();
  private exitHook: (() => void) | null = null;

  constructor(
    private readonly dirOf: (h: H) => string,
    backstopTimeoutMs: number,
  ) {
    const afterAll = (globalThis as { afterAll?: (fn: () => Promise<void>, timeout?: number) => void })
      .afterAll;
    if (typeof afterAll === 'function') {
      afterAll(async () => {
        await Promise.all([...this.live].map((h) => h.dispose().catch(() => undefined)));
        if (this.exitHook) process.removeListener('exit', this.exitHook);
        this.exitHook = null;
      }, backstopTimeoutMs);
    }
  }

  add(h: H): void {
    this.live.add(h);
    if (!this.exitHook) {
      this.exitHook = () => {
        for (const x of this.live) removeDir(this.dirOf(x));
      };
      process.once('exit', this.exitHook);
    }
  }

  delete(h: H): void {
    this.live.delete(h);
  }
}
