import { buildOne, rec } from './testing/build-one';

describe('rename', () => {
  const t = buildOne('rename', { fields: { msg: 'message', 'user.id': 'user_id' } });

  it('renames top-level and nested fields in place', () => {
    const input = rec({ ts: 1, msg: 'hi', user: { id: 7, name: 'a' } });
    const out = t.apply(input);
    expect(out?.value).toEqual({ ts: 1, message: 'hi', user: { user_id: 7, name: 'a' } });
    expect(Object.keys(out?.value as object)).toEqual(['ts', 'message', 'user']);
    expect(input.value).toEqual({ ts: 1, msg: 'hi', user: { id: 7, name: 'a' } });
  });

  it('leaves records without the fields, and non-object values, unchanged', () => {
    const r = rec({ other: 1 });
    expect(t.apply(r)).toBe(r);
    const s = rec('msg');
    expect(t.apply(s)).toBe(s);
    const n = rec(null);
    expect(t.apply(n)).toBe(n);
  });

  it('rejects dotted new names and empty mappings', () => {
    expect(() => buildOne('rename', { fields: { a: 'b.c' } })).toThrow(/without dots/);
    expect(() => buildOne('rename', { fields: {} })).toThrow(/at least one field/);
  });
});
