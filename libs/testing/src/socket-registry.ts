import type { Socket } from 'node:net';

/** Raw test sockets, destroyed at the end of the test file so none keeps jest (or the broker) waiting. */
const open = new Set<Socket>();

export function trackSocket(s: Socket): void {
  open.add(s);
  s.once('close', () => open.delete(s));
}

export function destroyAllSockets(): void {
  for (const s of open) s.destroy();
  open.clear();
}

const jestAfterAll = (globalThis as { afterAll?: (fn: () => void) => void }).afterAll;
if (typeof jestAfterAll === 'function') jestAfterAll(() => destroyAllSockets());
