import { buildOne, rec } from './testing/build-one';

describe('route', () => {
  const t = buildOne('route', { regex: '^app-(.*)$', replacement: 'logs-$1' });

  it('renames matching topics with group references', () => {
    const out = t.apply(rec({ a: 1 }, { topic: 'app-web' }));
    expect(out?.topic).toBe('logs-web');
    expect(out?.value).toEqual({ a: 1 });
  });

  it('leaves other topics alone; the regex must match the whole name', () => {
    const r = rec({}, { topic: 'web' });
    expect(t.apply(r)).toBe(r);
    const partial = buildOne('route', { regex: 'logs', replacement: 'events' });
    expect(partial.apply(rec({}, { topic: 'app-logs' }))?.topic).toBe('app-logs');
    expect(partial.apply(rec({}, { topic: 'logs' }))?.topic).toBe('events');
  });

  it('rejects invalid regexes at build time', () => {
    expect(() => buildOne('route', { regex: '(', replacement: 'x' })).toThrow(/invalid regular expression/);
  });
});
