import type { Example, ReconcileDetails } from '../../../../connectors/reconcile/src/report-types';
import { countRows, formatDuration, formatPercent, formatRecord, mismatchedKeys, plural } from './format';

/**
 * The report as a small document, built once and rendered as Markdown or HTML, so the two formats cannot drift.
 * Text from the streams (keys, fields, values, topics) is always `{ code }`: the renderers escape it literally.
 */
export type Inline = string | { code: string };
/** A paragraph: pieces written one after the other. */
export type Paragraph = Inline[];

export interface Table {
  headers: string[];
  /** Columns to right-align (counts). */
  numeric: number[];
  rows: Inline[][];
}

export interface Section {
  title: string;
  paragraphs: Paragraph[];
  table?: Table;
}

export interface ReportDoc {
  title: Paragraph;
  intro: Paragraph[];
  sections: Section[];
}

/** Values longer than this are cut in md/html (the json report keeps them whole). */
const MAX_VALUE = 500;

/** A field value as JSON, so `"10"` and `10` stay distinguishable; an absent side says so in plain text. */
export function formatValue(v: unknown): Inline {
  if (v === undefined) return '(absent)';
  const s = JSON.stringify(v) ?? String(v);
  return {
    code: s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE)}… (${s.length - MAX_VALUE} more characters)` : s,
  };
}

const code = (s: string | number): Inline => ({ code: String(s) });

/** `<label>: 12. 3 examples:` (examples are capped, the totals are not). */
function firstOf(shown: number, total: number, label: string): Paragraph {
  if (shown === 0) return [`${label}: ${total}.${total > 0 ? ' No examples kept.' : ''}`];
  return [`${label}: ${total}. ${shown === total ? 'All' : `${shown} example${shown === 1 ? '' : 's'}`}:`];
}

function mismatches(d: ReconcileDetails): Section {
  const ex = d.examples.fieldMismatch;
  const rows = ex.flatMap((e) =>
    (e.diff ?? []).map((f, i): Inline[] => [
      i === 0 ? code(e.key) : '',
      code(f.field),
      formatValue(f.left),
      formatValue(f.right),
    ]),
  );
  return {
    title: 'Field mismatches',
    paragraphs: [
      firstOf(ex.length, d.totals.fieldMismatch, 'Keys whose latest versions differ, past the window'),
    ],
    ...(rows.length > 0 ? { table: { headers: ['Key', 'Field', 'Left', 'Right'], numeric: [], rows } } : {}),
  };
}

function missing(title: string, what: string, total: number, ex: Example[], side: 'left' | 'right'): Section {
  const rows = ex.map((e): Inline[] => [code(e.key), code(formatRecord(e[side])), e[side]?.timestamp ?? '-']);
  return {
    title,
    paragraphs: [firstOf(ex.length, total, what)],
    ...(rows.length > 0
      ? {
          table: {
            headers: ['Key', `${side === 'left' ? 'Left' : 'Right'} record`, 'Event time'],
            numeric: [],
            rows,
          },
        }
      : {}),
  };
}

/** How long after the first side the counterpart came, when both times are known. */
function delay(e: Example): string {
  if (!e.left || !e.right) return '-';
  const ms = Math.abs(Date.parse(e.right.timestamp) - Date.parse(e.left.timestamp));
  return Number.isFinite(ms) ? formatDuration(ms) : '-';
}

function late(d: ReconcileDetails): Section {
  const ex = d.examples.late;
  const rows = ex.map((e): Inline[] => [
    code(e.key),
    e.category,
    e.left?.timestamp ?? '-',
    e.right?.timestamp ?? '-',
    delay(e),
  ]);
  return {
    title: 'Late arrivals',
    paragraphs: [
      firstOf(
        ex.length,
        d.totals.late,
        'Keys whose counterpart came after the window (reported missing, then corrected)',
      ),
    ],
    ...(rows.length > 0
      ? { table: { headers: ['Key', 'Result now', 'Left time', 'Right time', 'Apart'], numeric: [], rows } }
      : {}),
  };
}

export function buildReport(name: string, d: ReconcileDetails, generatedAt: Date): ReportDoc {
  const t = d.totals;
  const side = (s: 'left' | 'right'): Inline[] => [
    s,
    code(d[s].topic),
    d[s].watermark ?? 'nothing read yet',
    String(d[s].events),
  ];
  return {
    title: ['Reconciliation report: ', code(name)],
    intro: [
      [
        `Generated ${generatedAt.toISOString()}. Left `,
        code(d.left.topic),
        ', right ',
        code(d.right.topic),
        `, lateness window ${formatDuration(d.windowMs)}. Per-key results are on topic `,
        code(d.reportTopic),
        '.',
      ],
    ],
    sections: [
      {
        title: 'Sides',
        paragraphs: [],
        table: {
          headers: ['Side', 'Topic', 'Watermark', 'Events'],
          numeric: [3],
          rows: [side('left'), side('right')],
        },
      },
      {
        title: 'Counts',
        paragraphs: [[`${plural(t.keys, 'distinct key')}. Duplicate and stale count events, not keys.`]],
        table: {
          headers: ['Category', 'Count', 'Share of keys'],
          numeric: [1, 2],
          rows: countRows(d).map((r) => [r.label, String(r.count), r.share ?? '-']),
        },
      },
      {
        title: 'Rates',
        paragraphs: [],
        table: {
          headers: ['Measure', 'Value'],
          numeric: [],
          rows: [
            ['Compared keys', `${d.rates.compared} of ${t.keys} (${t.pending} pending)`],
            ['Match rate', formatPercent(d.rates.matchRate)],
            [
              'Mismatch rate',
              `${formatPercent(d.rates.mismatchRate)} (${plural(mismatchedKeys(d), 'key')}: ` +
                `${t.missingRight} missing-right, ${t.missingLeft} missing-left, ${t.fieldMismatch} field-mismatch)`,
            ],
          ],
        },
      },
      {
        title: 'Top mismatching fields',
        paragraphs: d.topFields.length > 0 ? [] : [['None.']],
        ...(d.topFields.length > 0
          ? {
              table: {
                headers: ['Field', 'Keys'],
                numeric: [1],
                rows: d.topFields.map((f) => [code(f.field), String(f.count)]),
              },
            }
          : {}),
      },
      mismatches(d),
      missing(
        'Missing on the right',
        'Keys seen on the left only, past the window',
        t.missingRight,
        d.examples.missingRight,
        'left',
      ),
      missing(
        'Missing on the left',
        'Keys seen on the right only, past the window',
        t.missingLeft,
        d.examples.missingLeft,
        'right',
      ),
      late(d),
    ],
  };
}
