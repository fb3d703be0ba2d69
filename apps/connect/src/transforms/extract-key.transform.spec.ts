import { buildOne, rec } from './testing/build-one';

describe('extract-key', () => {
  it('sets the key from a (nested) value field', () => {
    expect(buildOne('extract-key', { field: 'user_id' }).apply(rec({ user_id: 7 }))?.key).toBe(7);
    const nested = buildOne('extract-key', { field: 'user.id' }).apply(rec({ user: { id: 'u1' } }));
    expect(nested?.key).toBe('u1');
    expect(nested?.value).toEqual({ user: { id: 'u1' } });
  });

  it('throws naming the field and topic when a required field is missing', () => {
    const t = buildOne('extract-key', { field: 'user_id', required: true });
    expect(() => t.apply(rec({ other: 1 }, { topic: 'orders' }))).toThrow(
      'extract-key: field "user_id" is missing from a record on topic "orders"',
    );
    expect(() => t.apply(rec('not an object'))).toThrow(/user_id/);
  });

  it('keeps the key when the field is optional and missing', () => {
    const t = buildOne('extract-key', { field: 'user_id', required: false });
    const r = rec({}, { key: 'k' });
    expect(t.apply(r)).toBe(r);
    expect(t.apply(rec('text'))?.value).toBe('text');
  });
});
