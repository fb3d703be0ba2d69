import { expectScenarioPasses, LONG, verdictOf } from './run-scenario-for-spec';

jest.setTimeout(LONG ? 900_000 : 120_000);

/**
 * Coordinator + 3 brokers, RF 3, min.insync.replicas 2. kill -9 the coordinator and restart it, three times:
 * meanwhile the brokers keep acknowledging produces, serving fetches and answering Metadata from what they know;
 * after each restart the coordinator still has every topic, leader and epoch (metadata checker), and the group's
 * committed offsets and every acknowledged write survive.
 */
describe('chaos: cluster-kill9-coordinator', () => {
  it('passes every checker with seed 14 across three coordinator crashes', async () => {
    const result = await expectScenarioPasses('cluster-kill9-coordinator', 14, 10_000);
    expect(result.faultsInjected).toBeGreaterThanOrEqual(3);
    const served = verdictOf(result, 'served-while-coordinator-down');
    expect(served.counts.windows).toBeGreaterThanOrEqual(3);
    expect(served.counts.idle).toBe(0);
    const coordinatorSamples = result.history.filter(
      (op) => op.f === 'metadata' && op.type === 'ok' && op.node === 'coordinator',
    );
    expect(coordinatorSamples.length).toBeGreaterThan(0);
    expect(verdictOf(result, 'metadata').counts.lost).toBe(0);
    expect(result.verdicts.filter((v) => !v.ok)).toEqual([]);
  });
});
