import { makeParser } from './parse';

describe('makeParser', () => {
  it('line: the text itself', () => {
    expect(makeParser({ format: 'line' })('plain text', 'f')).toEqual({ value: 'plain text' });
  });

  it('json: the parsed value, or the raw line with a failure', () => {
    const parse = makeParser({ format: 'json' });
    expect(parse('{"a":1,"b":[true]}', 'f')).toEqual({ value: { a: 1, b: [true] } });
    const bad = parse('{"a":', 'app.log at byte 7');
    expect(bad.value).toBe('{"a":');
    expect(bad.failure?.message).toMatch(/^app\.log at byte 7 is not valid JSON/);
  });

  it('regex: the named groups (unmatched optional groups are null), or a failure', () => {
    const parse = makeParser({
      format: 'regex',
      regex: '^(?<level>[A-Z]+) (?<msg>.*?)(?: id=(?<id>\\d+))?$',
    });
    expect(parse('WARN disk low', 'f')).toEqual({ value: { level: 'WARN', msg: 'disk low', id: null } });
    expect(parse('INFO ok id=7', 'f')).toEqual({ value: { level: 'INFO', msg: 'ok', id: '7' } });
    const bad = parse('lowercase', 'f');
    expect(bad.value).toBe('lowercase');
    expect(bad.failure?.message).toMatch(/does not match/);
  });
});
