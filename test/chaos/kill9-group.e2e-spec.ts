import { expectScenarioPasses, LONG } from './run-scenario-for-spec';

jest.setTimeout(LONG ? 600_000 : 90_000);

/**
 * kill -9 the broker (which is also the group coordinator) while two group members consume and commit after each
 * batch and a sampler reads the committed offsets back: committed offsets never go backwards or past the log end,
 * and no acknowledged write is lost.
 */
describe('chaos: kill9-group', () => {
  it('passes every checker with seed 3', async () => {
    const result = await expectScenarioPasses('kill9-group', 3, 14_000);
    expect(result.faultsInjected).toBeGreaterThan(0);
    const offsets = result.verdicts.find((v) => v.checker === 'committed-offsets')!;
    expect(offsets.counts.commits).toBeGreaterThan(0);
    expect(offsets.counts.reads).toBeGreaterThan(0);
    expect(result.verdicts.filter((v) => !v.ok)).toEqual([]);
  });
});
