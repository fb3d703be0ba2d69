import { validateConfig } from '@tributary/connect-sdk';
import { fileSourceConfig } from './config';
import { parseDuration } from '@tributary/connect-sdk';

describe('file-source config', () => {
  it('applies defaults and parses durations', () => {
    const r = validateConfig(fileSourceConfig, {
      paths: ['a.log'],
      topic: 't',
      multiline: { start: '^\\S' },
      'poll.interval': '1s',
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.value).toMatchObject({
      format: 'line',
      'read.from': 'beginning',
      'poll.interval': 1000,
      'batch.size': 2000,
      'fingerprint.bytes': 1024,
      encoding: 'utf8',
      multiline: { start: '^\\S', 'max.lines': 500, 'flush.timeout': 2000 },
    });
  });

  it('suggests a known key for a typo', () => {
    const r = validateConfig(fileSourceConfig, { paths: ['a'], topic: 't', 'batch.sise': 5 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0].message).toMatch(/did you mean "batch.size"/);
  });

  it('needs a regex with named groups for format regex', () => {
    const missing = validateConfig(fileSourceConfig, { paths: ['a'], topic: 't', format: 'regex' });
    const unnamed = validateConfig(fileSourceConfig, {
      paths: ['a'],
      topic: 't',
      format: 'regex',
      regex: '(\\w+)',
    });
    const broken = validateConfig(fileSourceConfig, {
      paths: ['a'],
      topic: 't',
      format: 'regex',
      regex: '(?<a>x',
    });
    expect(missing.ok || unnamed.ok || broken.ok).toBe(false);
    if (!missing.ok) expect(missing.problems[0].message).toMatch(/needs a `regex`/);
    if (!unnamed.ok) expect(unnamed.problems[0].message).toMatch(/no named groups/);
    if (!broken.ok) expect(broken.problems[0].message).toMatch(/not a valid regular expression/);
  });

  it('rejects a bad duration', () => {
    const r = validateConfig(fileSourceConfig, { paths: ['a'], topic: 't', 'poll.interval': 'soon' });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.problems[0]).toMatchObject({
        path: ['poll.interval'],
        message: expect.stringMatching(/not a duration/),
      });
  });

  it('parses duration forms', () => {
    expect([
      parseDuration(5),
      parseDuration('500ms'),
      parseDuration('2s'),
      parseDuration('1m'),
      parseDuration('1.5h'),
      parseDuration('40'),
    ]).toEqual([5, 500, 2000, 60_000, 5_400_000, 40]);
    expect([parseDuration(-1), parseDuration('2 days'), parseDuration('')]).toEqual([null, null, null]);
  });
});
