import type { ReconcileDetails, SideRef } from '../../../../connectors/reconcile/src/report-types';

/** A fraction as a percentage: two decimals, or two significant digits below 0.01% so a tiny rate never reads 0. */
export function formatPercent(fraction: number): string {
  const p = fraction * 100;
  if (p === 0 || Math.abs(p) >= 0.01) return `${p.toFixed(2)}%`;
  return `${p.toFixed(1 - Math.floor(Math.log10(Math.abs(p))))}%`;
}

/** `1 key`, `2 keys`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `count` as a share of `total`, or `-` when there is nothing to share. */
export function formatShare(count: number, total: number): string {
  return total > 0 ? formatPercent(count / total) : '-';
}

/** A duration as `850ms`, `45s`, `5m`, `1h 30m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  const parts: string[] = [];
  if (s >= 3600) parts.push(`${Math.floor(s / 3600)}h`);
  if (s % 3600 >= 60) parts.push(`${Math.floor((s % 3600) / 60)}m`);
  if (s % 60 > 0 || parts.length === 0) parts.push(`${s % 60}s`);
  return parts.join(' ');
}

/** Where a record is: `topic/partition@offset`, plus its version when the reconciler tracks one. */
export function formatRecord(ref: SideRef | undefined): string {
  if (!ref) return '-';
  const at = `${ref.topic}/${ref.partition}@${ref.offset}`;
  return ref.version === undefined ? at : `${at} (version ${ref.version})`;
}

/** Keys whose result is not a match: what the mismatch rate counts. */
export function mismatchedKeys(d: ReconcileDetails): number {
  return d.totals.missingRight + d.totals.missingLeft + d.totals.fieldMismatch;
}

export interface CountRow {
  label: string;
  count: number;
  /** Share of distinct keys, or null for counters of events (duplicate, stale), which are not keys. */
  share: string | null;
}

/** The categories in the order people read them: the five results, then the event counters. */
export function countRows(d: ReconcileDetails): CountRow[] {
  const t = d.totals;
  const key = (label: string, count: number): CountRow => ({
    label,
    count,
    share: formatShare(count, t.keys),
  });
  return [
    key('pending', t.pending),
    key('matched', t.matched),
    key('missing-right', t.missingRight),
    key('missing-left', t.missingLeft),
    key('field-mismatch', t.fieldMismatch),
    { label: 'duplicate (events)', count: t.duplicate, share: null },
    key('late', t.late),
    { label: 'stale (events)', count: t.stale, share: null },
  ];
}
