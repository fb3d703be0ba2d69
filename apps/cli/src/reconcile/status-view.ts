import type { Rates, ReconcileDetails, Totals } from '../../../../connectors/reconcile/src/report-types';
import { formatTable } from '../client/table';
import { countRows, formatDuration, formatPercent } from './format';

/** `tributary reconcile status --json`: one flat object of numbers, stable for scripts. */
export type StatusJson = Totals & Rates;

export function statusJson(d: ReconcileDetails): StatusJson {
  const t = d.totals;
  return {
    pending: t.pending,
    matched: t.matched,
    missingRight: t.missingRight,
    missingLeft: t.missingLeft,
    fieldMismatch: t.fieldMismatch,
    duplicate: t.duplicate,
    late: t.late,
    stale: t.stale,
    keys: t.keys,
    compared: d.rates.compared,
    matchRate: d.rates.matchRate,
    mismatchRate: d.rates.mismatchRate,
  };
}

/** The human status: a header line, the categories, the rates, both sides. */
export function renderStatus(name: string, taskState: string, d: ReconcileDetails): string {
  const head = `${name}: task ${taskState}, window ${formatDuration(d.windowMs)}, results on ${d.reportTopic}\n`;
  const counts = formatTable(
    ['CATEGORY', 'COUNT', 'SHARE OF KEYS'],
    countRows(d).map((r) => [r.label, r.count, r.share ?? '-']),
  );
  const rates =
    `${d.totals.keys} keys, ${d.rates.compared} compared: ` +
    `match rate ${formatPercent(d.rates.matchRate)}, mismatch rate ${formatPercent(d.rates.mismatchRate)}\n`;
  const fields =
    d.topFields.length > 0
      ? `top mismatching fields: ${d.topFields.map((f) => `${f.field} (${f.count})`).join(', ')}\n`
      : '';
  const sides = formatTable(
    ['SIDE', 'TOPIC', 'WATERMARK', 'EVENTS'],
    [
      ['left', d.left.topic, d.left.watermark ?? '-', d.left.events],
      ['right', d.right.topic, d.right.watermark ?? '-', d.right.events],
    ],
  );
  const warnings = (d.warnings ?? []).map((w) => `warning: ${w}\n`).join('');
  return [head + counts, rates + fields, sides, ...(warnings ? [warnings] : [])].join('\n');
}
