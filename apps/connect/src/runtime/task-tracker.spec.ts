import { TaskTracker } from './task-tracker';

describe('TaskTracker', () => {
  it('reports STALLED only while a call stays open past the timeout in an active state', () => {
    const changes: string[] = [];
    const t = new TaskTracker('c', 0, (x) => changes.push(x.state));
    const t0 = Date.now();
    t.begin('start');
    expect(t.stalled(1000, t0 + 500)).toBeNull();
    expect(t.stalled(1000, t0 + 1500)).toEqual({ op: 'start', forMs: expect.any(Number) });
    t.end();
    t.setState('RUNNING');
    t.begin('poll');
    expect(t.stalled(1000, Date.now() + 2000)?.op).toBe('poll');
    t.setState('PAUSED');
    expect(t.stalled(1000, Date.now() + 2000)).toBeNull();
    t.setState('FAILED', 'boom');
    expect(t.stalled(1000, Date.now() + 2000)).toBeNull();
    expect(changes).toEqual(['RUNNING', 'PAUSED', 'FAILED']);
  });
});
