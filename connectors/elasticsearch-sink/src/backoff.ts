/**
 * Wait before attempt `attempt + 1` of an item that failed `attempt` times: exponential from `initialMs`,
 * capped at `maxMs`, with "equal jitter" (half fixed, half random) so items rejected together by a busy cluster
 * do not all come back at the same moment.
 */
export function backoffMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}
