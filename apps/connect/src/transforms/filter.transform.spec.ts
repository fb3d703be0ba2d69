import { buildOne, rec } from './testing/build-one';

describe('filter', () => {
  it('drops matching records by default', () => {
    const t = buildOne('filter', { if: { field: 'level', equals: 'debug' } });
    expect(t.apply(rec({ level: 'debug' }))).toBeNull();
    const info = rec({ level: 'info' });
    expect(t.apply(info)).toBe(info);
    expect(t.apply(rec('plain text'))).not.toBeNull();
  });

  it('keeps only matching records with drop: false', () => {
    const t = buildOne('filter', { if: { topic: 'keep-.*' }, drop: false });
    expect(t.apply(rec({}, { topic: 'keep-me' }))).not.toBeNull();
    expect(t.apply(rec({}, { topic: 'other' }))).toBeNull();
  });

  it('requires a predicate', () => {
    expect(() => buildOne('filter', { drop: true })).toThrow(/transforms\[0\] \(filter\)/);
  });
});
