import type { Inline, Paragraph, ReportDoc, Table } from './report-model';

/** Backslash-escapes what Markdown would read as markup (emphasis, links, HTML, table pipes, entities). */
function escapeText(s: string): string {
  return s.replace(/[\\`*_[\]<>|&~#]/g, '\\$&');
}

/**
 * A literal code span: the fence is longer than any backtick run inside, newlines become spaces (a span is one
 * line) and, in a table cell, pipes are escaped because GFM splits cells before it reads code spans.
 */
function codeSpan(s: string, inTable: boolean): string {
  let body = s.replace(/\r?\n/g, ' ');
  if (inTable) body = body.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = body === '' || body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

function inline(i: Inline, inTable = false): string {
  return typeof i === 'string' ? escapeText(i) : codeSpan(i.code, inTable);
}

const paragraph = (p: Paragraph): string => p.map((i) => inline(i)).join('');

function table(t: Table): string {
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [
    row(t.headers.map(escapeText)),
    row(t.headers.map((_, i) => (t.numeric.includes(i) ? '---:' : '---'))),
    ...t.rows.map((r) => row(r.map((c) => inline(c, true)))),
  ].join('\n');
}

/** GitHub-flavoured Markdown: headings, paragraphs and pipe tables. */
export function renderMarkdown(doc: ReportDoc): string {
  const blocks = [`# ${paragraph(doc.title)}`, ...doc.intro.map(paragraph)];
  for (const s of doc.sections) {
    blocks.push(`## ${escapeText(s.title)}`, ...s.paragraphs.map(paragraph));
    if (s.table) blocks.push(table(s.table));
  }
  return blocks.join('\n\n') + '\n';
}
