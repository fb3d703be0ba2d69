import {
  makeTempDir,
  removeDir,
  runChaos,
  type ChaosResult,
  type HistoryOp,
  type Verdict,
} from '@tributary/testing';

/** `npm run test:long` sets LONG=1: the same scenarios, ten times longer and with more faults. */
export const LONG = process.env.LONG === '1';

/**
 * Runs a chaos scenario with a fixed seed and fails with the verdict table and the run dir (history, plan,
 * node logs and data kept there) if any checker found a violation. The run dir is removed when all pass.
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

/** The verdict of one checker (fails the test if the run did not produce it). */
export function verdictOf(result: ChaosResult, checker: string): Verdict {
  const v = result.verdicts.find((x) => x.checker === checker);
  if (!v) throw new Error(`no ${checker} verdict in ${result.verdicts.map((x) => x.checker).join(', ')}`);
  return v;
}

/** Highest leader epoch of `topic/partition` in any metadata answer of the run. */
export function maxLeaderEpoch(history: readonly HistoryOp[], topic: string, partition: number): number {
  let max = -1;
  for (const op of history) {
    if (op.f !== 'metadata' || op.type !== 'ok') continue;
    const p = op.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partition === partition);
    if (p) max = Math.max(max, p.leaderEpoch);
  }
  return max;
}
