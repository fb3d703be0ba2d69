import type { ReconcileDetails } from '../../../../connectors/reconcile/src/report-types';
import { UsageError } from '../client/client-options';
import { buildReport } from './report-model';
import { renderMarkdown } from './report-markdown';
import { renderHtml } from './report-html';

export const REPORT_FORMATS = ['md', 'html', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function parseFormat(raw: string): ReportFormat {
  const f = raw.trim().toLowerCase();
  if (f === 'markdown') return 'md';
  if ((REPORT_FORMATS as readonly string[]).includes(f)) return f as ReportFormat;
  throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got "${raw}"`);
}

/** The whole report as text in the chosen format; json keeps the details as the worker reported them. */
export function renderReport(
  format: ReportFormat,
  name: string,
  d: ReconcileDetails,
  generatedAt: Date,
): string {
  if (format === 'json')
    return JSON.stringify({ generatedAt: generatedAt.toISOString(), name, ...d }, null, 2) + '\n';
  const doc = buildReport(name, d, generatedAt);
  return format === 'html' ? renderHtml(doc) : renderMarkdown(doc);
}
