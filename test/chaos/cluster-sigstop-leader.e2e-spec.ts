import { expectScenarioPasses, LONG, maxLeaderEpoch, verdictOf } from './run-scenario-for-spec';

jest.setTimeout(LONG ? 900_000 : 120_000);

/**
 * Coordinator + 3 brokers, RF 3, min.insync.replicas 2. SIGSTOP the leader of chaos/0 for longer than the
 * coordinator lease, so it is fenced and another replica leads, then SIGCONT: the zombie wakes up believing it
 * leads, with the clients' old requests queued on its sockets. It must not acknowledge them or keep a divergent
 * log: no duplicates, one value per offset, nothing acknowledged lost.
 */
describe('chaos: cluster-sigstop-leader', () => {
  it('passes every checker with seed 12 after two zombie leaders', async () => {
    const result = await expectScenarioPasses('cluster-sigstop-leader', 12, 10_000);
    expect(result.faultsInjected).toBeGreaterThanOrEqual(2);
    expect(verdictOf(result, 'lost-writes').counts.acknowledged).toBeGreaterThan(500);
    // Every stop outlasted the lease: the leadership moved each time.
    expect(maxLeaderEpoch(result.history, 'chaos', 0)).toBeGreaterThanOrEqual(result.faultsInjected);
    expect(result.verdicts.filter((v) => !v.ok)).toEqual([]);
  });
});
