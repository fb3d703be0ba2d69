import type { Inline, Paragraph, ReportDoc, Table } from './report-model';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const inline = (i: Inline): string =>
  typeof i === 'string' ? escapeHtml(i) : `<code>${escapeHtml(i.code)}</code>`;
const paragraph = (p: Paragraph): string => p.map(inline).join('');
const plain = (p: Paragraph): string =>
  escapeHtml(p.map((i) => (typeof i === 'string' ? i : i.code)).join(''));

function table(t: Table): string {
  const cls = (i: number): string => (t.numeric.includes(i) ? ' class="num"' : '');
  const head = t.headers.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('');
  const body = t.rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${inline(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** Inline so the page is one file that can be mailed or attached to a change ticket. */
const CSS = `body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.num{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}`;

/** One self-contained HTML page; every piece of text is escaped. */
export function renderHtml(doc: ReportDoc): string {
  const parts = [
    '<!doctype html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${plain(doc.title)}</title><style>\n${CSS}\n</style></head>`,
    '<body>',
    `<h1>${paragraph(doc.title)}</h1>`,
    ...doc.intro.map((p) => `<p>${paragraph(p)}</p>`),
  ];
  for (const s of doc.sections) {
    parts.push(
      '<section>',
      `<h2>${escapeHtml(s.title)}</h2>`,
      ...s.paragraphs.map((p) => `<p>${paragraph(p)}</p>`),
    );
    if (s.table) parts.push(table(s.table));
    parts.push('</section>');
  }
  parts.push('</body>', '</html>');
  return parts.join('\n') + '\n';
}
