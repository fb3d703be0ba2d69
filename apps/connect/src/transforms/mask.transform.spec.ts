import { buildOne, rec } from './testing/build-one';

describe('mask', () => {
  it('replaces present fields with the default replacement', () => {
    const t = buildOne('mask', { fields: ['card', 'user.email', 'absent'] });
    const out = t.apply(rec({ card: '4111', user: { email: 'a@b', id: 1 }, n: null }));
    expect(out?.value).toEqual({ card: '****', user: { email: '****', id: 1 }, n: null });
  });

  it('uses a custom replacement, leaves null fields and strings alone', () => {
    const t = buildOne('mask', { fields: ['secret'], replacement: '[redacted]' });
    expect(t.apply(rec({ secret: 42 }))?.value).toEqual({ secret: '[redacted]' });
    const n = rec({ secret: null });
    expect(t.apply(n)).toBe(n);
    expect(t.apply(rec('secret'))?.value).toBe('secret');
  });
});
