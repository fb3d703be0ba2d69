import { makeTempDir, removeDir, runChaos, type ChaosResult } from '@tributary/testing';

/** `npm run test:long` sets LONG=1: the same scenarios, ten times longer and with more faults. */
export const LONG = process.env.LONG === '1';

/**
 * Runs a chaos scenario with a fixed seed and fails with the verdict table and the run dir (history, plan,
 * broker logs and data kept there) if any checker found a violation. The run dir is removed when all pass.
 */
export async function expectScenarioPasses(
  scenario: string,
  seed: number,
  shortMs: number,
): Promise<ChaosResult> {
  const outDir = makeTempDir('tributary-chaos-');
  const result = await runChaos({
    scenario,
    seed,
    durationMs: LONG ? shortMs * 10 : shortMs,
    outDir,
    clients: 'both',
    producers: 2,
    partitions: 3,
  });
  if (!result.ok) {
    throw new Error(
      `${scenario} seed ${seed} found violations (run kept in ${result.runDir}):\n${result.table}\n` +
        `repeat with: npm run chaos -- --scenario ${scenario} --seed ${seed} --duration ${shortMs}ms`,
    );
  }
  removeDir(outDir);
  return result;
}
