import { expectScenarioPasses, LONG, verdictOf } from './run-scenario-for-spec';

jest.setTimeout(LONG ? 900_000 : 120_000);

/**
 * Coordinator + 3 brokers, RF 3, min.insync.replicas 2. kill -9 two of the three replicas of chaos/0 for a few
 * seconds: while fewer than two replicas are up, no acks=all send may be acknowledged (the brokers answer
 * NOT_ENOUGH_REPLICAS, _AFTER_APPEND, or time out), and acknowledgements that arrive then for earlier sends must
 * survive; after both restart nothing acknowledged is lost.
 */
describe('chaos: cluster-kill9-two', () => {
  it('passes every checker with seed 13, refusing writes while two replicas are down', async () => {
    const result = await expectScenarioPasses('cluster-kill9-two', 13, 10_000);
    expect(result.faultsInjected).toBeGreaterThanOrEqual(2);
    const minIsr = verdictOf(result, 'min-isr-acks');
    expect(minIsr.counts.windows).toBeGreaterThanOrEqual(2);
    expect(minIsr.counts.sendsInWindow).toBeGreaterThan(0);
    expect(minIsr.counts.ackedUnderMinIsr).toBe(0);
    // The brokers said why: NOT_ENOUGH_REPLICAS (or _AFTER_APPEND) reached the clients.
    expect(minIsr.counts.notEnoughReplicas).toBeGreaterThan(0);
    expect(verdictOf(result, 'lost-writes').counts.acknowledged).toBeGreaterThan(500);
    expect(result.verdicts.filter((v) => !v.ok)).toEqual([]);
  });
});
