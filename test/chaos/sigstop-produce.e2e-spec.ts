import { expectScenarioPasses, LONG } from './run-scenario-for-spec';

jest.setTimeout(LONG ? 600_000 : 90_000);

/**
 * SIGSTOP the broker for longer than the clients' request timeout, then SIGCONT: the frozen broker wakes up to a
 * backlog of the original requests and their retries. Idempotence must turn those into exactly one copy each.
 */
describe('chaos: sigstop-produce', () => {
  it('passes every checker with seed 7', async () => {
    const result = await expectScenarioPasses('sigstop-produce', 7, 10_000);
    expect(result.faultsInjected).toBeGreaterThan(0);
    expect(result.verdicts.find((v) => v.checker === 'lost-writes')!.counts.acknowledged).toBeGreaterThan(
      100,
    );
    expect(result.verdicts.filter((v) => !v.ok)).toEqual([]);
  });
});
