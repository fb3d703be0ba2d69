import { buildOne, rec } from './testing/build-one';

describe('drop', () => {
  const t = buildOne('drop', { fields: ['password', 'user.ssn'] });

  it('removes top-level and nested fields without touching the input', () => {
    const input = rec({ password: 'x', user: { ssn: '1', name: 'a' }, keep: true });
    expect(t.apply(input)?.value).toEqual({ user: { name: 'a' }, keep: true });
    expect(input.value).toEqual({ password: 'x', user: { ssn: '1', name: 'a' }, keep: true });
  });

  it('leaves records without the fields, and strings, unchanged', () => {
    const r = rec({ keep: 1 });
    expect(t.apply(r)).toBe(r);
    expect(t.apply(rec('password'))?.value).toBe('password');
  });

  it('needs at least one field', () => {
    expect(() => buildOne('drop', { fields: [] })).toThrow(/transforms\[0\] \(drop\)/);
  });
});
