import { expectScenarioPasses, LONG, maxLeaderEpoch, verdictOf } from './run-scenario-for-spec';

jest.setTimeout(LONG ? 900_000 : 120_000);

/**
 * Coordinator + 3 brokers, RF 3, min.insync.replicas 2. kill -9 the leader of chaos/0 five times, each time the
 * broker that leads it then, and restart it, while idempotent acks=all producers (kafkajs and librdkafka) and a
 * consumer group run: no acknowledged write lost, no duplicates, one value per offset, per-producer order,
 * committed offsets never go back, metadata never forgets a topic.
 */
describe('chaos: cluster-kill9-leader', () => {
  it('passes every checker with seed 11 after five leader kills', async () => {
    const result = await expectScenarioPasses('cluster-kill9-leader', 11, 10_000);
    expect(result.faultsInjected).toBeGreaterThanOrEqual(5);
    expect(verdictOf(result, 'lost-writes').counts.acknowledged).toBeGreaterThan(500);
    expect(verdictOf(result, 'committed-offsets').counts.commits).toBeGreaterThan(0);
    // Each kill moved the leadership: a new leader epoch per kill at least.
    expect(maxLeaderEpoch(result.history, 'chaos', 0)).toBeGreaterThanOrEqual(5);
    expect(result.verdicts.filter((v) => !v.ok)).toEqual([]);
  });
});
