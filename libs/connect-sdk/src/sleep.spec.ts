import { getEventListeners } from 'node:events';
import { sleep } from './sleep';

describe('sleep', () => {
  it('ends early when any signal aborts and leaves no listener behind', async () => {
    const a = new AbortController();
    const b = new AbortController();
    const waiting = sleep(60_000, a.signal, b.signal);
    expect(getEventListeners(b.signal, 'abort')).toHaveLength(1);
    a.abort();
    // Resolving at all proves the early end: jest's 5 s timeout is far below the 60 s wait.
    await waiting;
    expect(getEventListeners(b.signal, 'abort')).toHaveLength(0);
    await sleep(1, b.signal);
    expect(getEventListeners(b.signal, 'abort')).toHaveLength(0);
  });

  it('returns at once for an aborted signal or no wait', async () => {
    const a = new AbortController();
    a.abort();
    await expect(sleep(60_000, a.signal)).resolves.toBeUndefined();
    await expect(sleep(0)).resolves.toBeUndefined();
  });
});
