import { buildOne, rec } from './testing/build-one';

describe('insert-field', () => {
  it('inserts a constant, creating parents for dotted paths', () => {
    expect(buildOne('insert-field', { field: 'env', value: 'prod' }).apply(rec({ a: 1 }))?.value).toEqual({
      a: 1,
      env: 'prod',
    });
    expect(buildOne('insert-field', { field: 'meta.env', value: 'prod' }).apply(rec({}))?.value).toEqual({
      meta: { env: 'prod' },
    });
  });

  it('inserts the timestamp, topic or key', () => {
    const r = rec({}, { timestamp: 1_700_000_000_000, topic: 't', key: 'k' });
    expect(buildOne('insert-field', { field: 'at', from: 'timestamp' }).apply(r)?.value).toEqual({
      at: 1_700_000_000_000,
    });
    expect(buildOne('insert-field', { field: 'src', from: 'topic' }).apply(r)?.value).toEqual({ src: 't' });
    expect(buildOne('insert-field', { field: 'id', from: 'key' }).apply(r)?.value).toEqual({ id: 'k' });
    const before = Date.now();
    const now = buildOne('insert-field', { field: 'at', from: 'timestamp' }).apply(rec({}))?.value as {
      at: number;
    };
    expect(now.at).toBeGreaterThanOrEqual(before);
  });

  it('leaves non-object values and tombstones unchanged', () => {
    const t = buildOne('insert-field', { field: 'env', value: 'prod' });
    expect(t.apply(rec('line'))?.value).toBe('line');
    expect(t.apply(rec(null))?.value).toBeNull();
  });

  it('needs exactly one of value and from', () => {
    expect(() => buildOne('insert-field', { field: 'x' })).toThrow(/exactly one of "value" or "from"/);
    expect(() => buildOne('insert-field', { field: 'x', value: 1, from: 'topic' })).toThrow(/exactly one/);
  });
});
