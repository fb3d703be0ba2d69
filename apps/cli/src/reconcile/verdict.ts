import type { ReconcileDetails } from '../../../../connectors/reconcile/src/report-types';
import { UsageError, parseIntOption } from '../client/client-options';
import { formatDuration, formatPercent, mismatchedKeys, plural } from './format';

export interface VerdictLimits {
  /** Highest tolerated mismatch rate, a fraction 0..1 (the boundary passes). */
  maxMismatchRate: number;
  /** Most keys that may still be pending; undefined = no limit. */
  maxPending?: number;
  /** Fewest compared keys for a verdict at all: with less there is nothing to judge. */
  minCompared: number;
}

export interface Verdict {
  pass: boolean;
  /** `PASS name: ...` or `FAIL name: reason; reason`. */
  line: string;
}

/**
 * Parses `--max-mismatch-rate`: a fraction (`0.005`) or a percentage (`0.5%`). A percentage is shifted as a
 * decimal string, not divided by 100, so `0.7%` is exactly the number `0.007` and a rate on the boundary passes.
 */
export function parseRate(option: string, raw: string): number {
  const s = raw.trim();
  const pct = /^(\d*)(?:\.(\d*))?%$/.exec(s);
  let value: number;
  if (pct && (pct[1] ?? '') + (pct[2] ?? '') !== '') {
    const whole = pct[1] ?? '';
    const digits = whole + (pct[2] ?? '');
    const point = whole.length - 2;
    value = Number(
      point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : `${digits.slice(0, point)}.${digits.slice(point)}`,
    );
  } else if (/^(\d+\.?\d*|\.\d+)$/.test(s)) {
    value = Number(s);
  } else {
    throw new UsageError(`${option} expects a fraction like 0.005 or a percentage like 0.5%, got "${raw}"`);
  }
  if (value > 1) {
    const hint = s.endsWith('%') ? '' : `; did you mean ${s}%?`;
    throw new UsageError(`${option} must be at most 1 (100%), got "${raw}"${hint}`);
  }
  return value;
}

/** Parses a whole-number limit of at least 0. */
export function parseCount(option: string, raw: string | undefined): number | undefined {
  return parseIntOption(option, raw, { min: 0 });
}

/** Why nothing was compared: nothing read at all, or every key still waits for its counterpart. */
function nothingYet(d: ReconcileDetails): string {
  if (d.totals.keys === 0) return `no keys seen on ${d.left.topic} or ${d.right.topic}`;
  return `${plural(d.totals.pending, 'key')} pending inside the ${formatDuration(d.windowMs)} window`;
}

/**
 * Decides PASS or FAIL. The rate is recomputed from the totals (mismatched / compared) rather than taken from
 * `rates.mismatchRate`, so that the boundary is judged on the exact division and not on how the worker rounded.
 */
export function decideVerdict(
  name: string,
  d: ReconcileDetails,
  limits: VerdictLimits,
  taskState = 'RUNNING',
): Verdict {
  const compared = d.rates.compared;
  const mismatched = mismatchedKeys(d);
  const pending = d.totals.pending;
  const rate = compared > 0 ? mismatched / compared : 0;
  const rateOk = rate <= limits.maxMismatchRate;
  const rateText =
    `mismatch rate ${formatPercent(rate)} ${rateOk ? '<=' : '>'} ${formatPercent(limits.maxMismatchRate)} ` +
    `(${mismatched} of ${plural(compared, 'compared key')}; ${pending} pending)`;

  const reasons: string[] = [];
  if (compared < limits.minCompared)
    reasons.push(
      compared === 0
        ? `nothing compared yet (${nothingYet(d)})`
        : `only ${plural(compared, 'key')} compared, --min-compared is ${limits.minCompared}`,
    );
  if (compared > 0 && !rateOk) {
    const t = d.totals;
    reasons.push(
      `${rateText}: ${t.missingRight} missing-right, ${t.missingLeft} missing-left, ${t.fieldMismatch} field-mismatch`,
    );
  }
  if (limits.maxPending !== undefined && pending > limits.maxPending)
    reasons.push(`${plural(pending, 'key')} pending > --max-pending ${limits.maxPending}`);
  // A task that is not running (FAILED, PAUSED...) stopped counting: its numbers describe the past.
  if (taskState !== 'RUNNING') reasons.push(`task is ${taskState}, so these counts may be stale`);

  return reasons.length === 0
    ? { pass: true, line: `PASS ${name}: ${rateText}` }
    : { pass: false, line: `FAIL ${name}: ${reasons.join('; ')}` };
}
