import type { ReconcileDetails } from '../../../../connectors/reconcile/src/report-types';
import { parseFormat, renderReport } from './render-report';
import { details, noKeysYet } from './testing/details';

const at = new Date('2024-05-01T10:00:05.000Z');
const ref = (topic: string, offset: number, timestamp: string) => ({
  topic,
  partition: 0,
  offset,
  timestamp,
});

function withExamples(): ReconcileDetails {
  return details(
    {},
    {
      topFields: [
        { field: 'total', count: 3 },
        { field: 'status', count: 2 },
      ],
      examples: {
        fieldMismatch: [
          {
            key: 'o-1|<b>',
            category: 'field-mismatch',
            late: false,
            diff: [
              { field: 'total', left: '10.00', right: 10 },
              { field: 'note', left: '<script>alert("x")</script>' },
            ],
          },
        ],
        missingRight: [
          {
            key: 'o-2',
            category: 'missing-right',
            late: false,
            left: { ...ref('orders.v1', 12, '2024-05-01T09:00:00.000Z'), version: 3 },
          },
        ],
        missingLeft: [],
        late: [
          {
            key: 'o-3',
            category: 'matched',
            late: true,
            left: ref('orders.v1', 13, '2024-05-01T09:00:00.000Z'),
            right: ref('orders.v2', 5, '2024-05-01T09:07:12.000Z'),
          },
        ],
      },
    },
  );
}

describe('parseFormat', () => {
  it('takes md, html and json (any case, markdown as md), and names the choices otherwise', () => {
    expect(parseFormat('md')).toBe('md');
    expect(parseFormat('Markdown')).toBe('md');
    expect(parseFormat('HTML')).toBe('html');
    expect(parseFormat('json')).toBe('json');
    expect(() => parseFormat('pdf')).toThrow('--format must be one of md, html, json, got "pdf"');
  });
});

describe('renderReport', () => {
  it('json is the details with the name and generation time', () => {
    const d = withExamples();
    expect(JSON.parse(renderReport('json', 'orders-recon', d, at))).toEqual({
      generatedAt: '2024-05-01T10:00:05.000Z',
      name: 'orders-recon',
      ...d,
    });
  });

  it('md has the name, time, sides, counts, rates, top fields and every kind of example', () => {
    const md = renderReport('md', 'orders-recon', withExamples(), at);
    const lines = md.split('\n');
    expect(lines[0]).toBe('# Reconciliation report: `orders-recon`');
    expect(md).toContain(
      'Generated 2024-05-01T10:00:05.000Z. Left `orders.v1`, right `orders.v2`, lateness window 5m.',
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        '| Side | Topic | Watermark | Events |',
        '| --- | --- | --- | ---: |',
        '| left | `orders.v1` | 2024-05-01T10:00:00.000Z | 10010 |',
        '| right | `orders.v2` | 2024-05-01T09:59:58.000Z | 10004 |',
        '| matched | 9988 | 99.85% |',
        '| duplicate (events) | 17 | - |',
        '| Compared keys | 10000 of 10003 (3 pending) |',
        '| Match rate | 99.88% |',
        '| Mismatch rate | 0.12% (12 keys: 4 missing-right, 3 missing-left, 5 field-mismatch) |',
        '| `total` | 3 |',
        '| `status` | 2 |',
        'Keys whose latest versions differ, past the window: 5. 1 example:',
        '| Key | Field | Left | Right |',
        '| `o-2` | `orders.v1/0@12 (version 3)` | 2024-05-01T09:00:00.000Z |',
        'Keys seen on the right only, past the window: 3. No examples kept.',
        '| `o-3` | matched | 2024-05-01T09:00:00.000Z | 2024-05-01T09:07:12.000Z | 7m 12s |',
      ]),
    );
  });

  it('md shows values as JSON (a string "10.00" is not the number 10) and escapes table pipes', () => {
    const md = renderReport('md', 'r', withExamples(), at);
    expect(md).toContain('| `o-1\\|<b>` | `total` | `"10.00"` | `10` |');
    expect(md).toContain('|  | `note` | `"<script>alert(\\"x\\")</script>"` | (absent) |');
  });

  it('md code spans survive backticks and newlines; plain text escapes markup', () => {
    const d = withExamples();
    d.examples.missingRight[0]!.key = 'a`b\nc';
    d.left.topic = 'x*y_z';
    d.examples.late[0]!.right!.timestamp = 'a|b*c<d>';
    const md = renderReport('md', '`n`', d, at);
    expect(md).toContain('| ``a`b c`` |');
    expect(md.split('\n')[0]).toBe('# Reconciliation report: `` `n` ``');
    expect(md).toContain('`x*y_z`');
    expect(md).toContain('| a\\|b\\*c\\<d\\> |');
    const empty = noKeysYet();
    expect(renderReport('md', 'r', empty, at)).toContain('| Compared keys | 0 of 0 (0 pending) |');
  });

  it('says None. when there is nothing to show', () => {
    const md = renderReport('md', 'r', details({ fieldMismatch: 0, late: 0 }), at);
    expect(md).toContain('## Top mismatching fields\n\nNone.');
    expect(md).toContain('Keys whose latest versions differ, past the window: 0.\n');
    expect(md).toContain(
      'Keys whose counterpart came after the window (reported missing, then corrected): 0.\n',
    );
  });

  it('html is one self-contained page with every value escaped', () => {
    const html = renderReport('html', 'orders<recon>', withExamples(), at);
    expect(html.startsWith('<!doctype html>\n')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<(script|link)\b/);
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).toContain('<title>Reconciliation report: orders&#60;recon&#62;</title>');
    expect(html).toContain('<code>&#34;&#60;script&#62;alert(\\&#34;x\\&#34;)&#60;/script&#62;&#34;</code>');
    expect(html).toContain('<td><code>o-1|&#60;b&#62;</code></td>');
    expect(html).toContain('<td><code>&#34;10.00&#34;</code></td><td><code>10</code></td>');
    expect(html).toContain('<td>matched</td><td class="num">9988</td><td class="num">99.85%</td>');
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('cuts very long values in md/html but not in json', () => {
    const d = withExamples();
    d.examples.fieldMismatch[0]!.diff = [{ field: 'blob', left: 'x'.repeat(2000), right: '' }];
    expect(renderReport('md', 'r', d, at)).toContain(`\`"${'x'.repeat(499)}… (1502 more characters)\``);
    expect(renderReport('json', 'r', d, at)).toContain('x'.repeat(2000));
  });
});
