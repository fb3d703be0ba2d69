import { expectScenarioPasses, LONG } from './run-scenario-for-spec';

jest.setTimeout(LONG ? 600_000 : 90_000);

/**
 * kill -9 the broker at seeded random times under idempotent acks=all producers (kafkajs and librdkafka), restart
 * it, then read everything back: no acknowledged write lost, no duplicates, one value per offset, per-producer order.
 */
describe('chaos: kill9-produce', () => {
  it('passes every checker with seed 42', async () => {
    const result = await expectScenarioPasses('kill9-produce', 42, 12_000);
    expect(result.faultsInjected).toBeGreaterThan(0);
    expect(result.verdicts.find((v) => v.checker === 'lost-writes')!.counts.acknowledged).toBeGreaterThan(
      100,
    );
    expect(result.verdicts.filter((v) => !v.ok)).toEqual([]);
  });
});
