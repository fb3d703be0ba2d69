import { compileFormat, type ConsumedMessage } from './message-format';
import { formatTable } from './table';
import { explainError } from './explain-error';
import { CliError } from './client-options';

const msg: ConsumedMessage = {
  topic: 't',
  partition: 2,
  offset: 41,
  timestamp: 1700000000000,
  key: 'k',
  value: 'héllo',
  headers: { a: '1', b: ['2', '3'] },
};

describe('cli output', () => {
  it('renders kcat-style formats and appends a newline only when the format has none', () => {
    expect(compileFormat('%k:%v')(msg)).toBe('k:héllo\n');
    expect(compileFormat('%t/%p@%o %h %K %S %%\\n')(msg)).toBe('t/2@41 a=1,b=2,b=3 1 6 %\n');
    expect(compileFormat('%v')({ ...msg, value: null })).toBe('\n');
    expect(() => compileFormat('%x')).toThrow(/unknown token "%x"/);
    expect(() => compileFormat('abc%')).toThrow(/lone "%"/);
  });

  it('aligns table columns, numbers to the right', () => {
    expect(
      formatTable(
        ['NAME', 'N'],
        [
          ['a', 1],
          ['long-name', 100],
        ],
      ),
    ).toBe('NAME         N\na            1\nlong-name  100\n');
  });

  it('explains a refused connection and keeps its own errors as they are', () => {
    const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9'), {
      name: 'KafkaJSConnectionError',
    });
    const wrapped = Object.assign(new Error('retries exceeded'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      cause: refused,
    });
    expect(explainError('topics list', wrapped, '127.0.0.1:9')).toBe(
      'topics list: cannot connect to 127.0.0.1:9 (connect ECONNREFUSED 127.0.0.1:9): is the broker running? start it with `tributary start`',
    );
    expect(explainError('x', new CliError('topic "a" does not exist'), 'b:1')).toBe(
      'x: topic "a" does not exist',
    );
    const protocol = Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    expect(explainError('delete', protocol, 'b:1')).toMatch(
      /^delete: This server does not host this topic-partition \(UNKNOWN_TOPIC_OR_PARTITION\): the topic/,
    );
  });
});
