import type { ChildProcess } from 'node:child_process';

/**
 * Safety net: every child process a test helper spawns is tracked here and SIGKILLed when the test file ends
 * (jest `afterAll`, registered when this module is first loaded by a test file) or when the worker process
 * exits, so no broker or client outlives the test file that started it, even after a failed assertion.
 */
const live = new Set<ChildProcess>();

function killAllNow(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  live.clear();
}

const onExit = (): void => killAllNow();
let exitHookInstalled = false;

export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    process.once('exit', onExit);
    exitHookInstalled = true;
  }
}

/** Kills every tracked child still running and waits until each has exited. */
export async function killAllChildren(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        try {
          child.kill('SIGKILL');
        } catch {
          resolve();
        }
      }),
  );
  await Promise.all(waits);
  live.clear();
}

export function liveChildCount(): number {
  return live.size;
}

// jest loads modules once per test file, so this hook runs at the end of each file that imports the helpers.
const jestAfterAll = (globalThis as { afterAll?: (fn: () => Promise<void>, timeout?: number) => void })
  .afterAll;
if (typeof jestAfterAll === 'function') {
  jestAfterAll(async () => {
    await killAllChildren();
    if (exitHookInstalled) {
      process.removeListener('exit', onExit);
      exitHookInstalled = false;
    }
  }, 30_000);
}
