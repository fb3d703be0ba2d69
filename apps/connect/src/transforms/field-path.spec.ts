import { deleteField, getField, MISSING, parseFieldPath, renameLeaf, setField } from './field-path';

describe('field paths', () => {
  const v = { a: 1, b: { c: 2, d: { e: 3 } }, s: 'x' };

  it('reads dotted paths', () => {
    expect(getField(v, parseFieldPath('a'))).toBe(1);
    expect(getField(v, parseFieldPath('b.d.e'))).toBe(3);
    expect(getField(v, parseFieldPath('b.x'))).toBe(MISSING);
    expect(getField(v, parseFieldPath('s.length'))).toBe(MISSING);
    expect(getField('text', parseFieldPath('a'))).toBe(MISSING);
    expect(getField({ n: null }, parseFieldPath('n'))).toBeNull();
  });

  it('writes by copying the path and never mutates the input', () => {
    const frozen = JSON.parse(JSON.stringify(v)) as typeof v;
    const out = setField(v, parseFieldPath('b.d.f'), 4);
    expect(out).toEqual({ a: 1, b: { c: 2, d: { e: 3, f: 4 } }, s: 'x' });
    expect(v).toEqual(frozen);
    expect(out['a']).toBe(1);
    expect(setField(v, parseFieldPath('n.m'), 1)).toEqual({ ...v, n: { m: 1 } });
    expect(setField(v, parseFieldPath('s.x'), 1)).toBe(v);
  });

  it('deletes, returning the same object when nothing was removed', () => {
    expect(deleteField(v, parseFieldPath('b.c'))).toEqual({ a: 1, b: { d: { e: 3 } }, s: 'x' });
    expect(deleteField(v, parseFieldPath('b.zz'))).toBe(v);
    expect(v.b.c).toBe(2);
  });

  it('renames in place, keeping key order', () => {
    expect(Object.keys(renameLeaf(v, parseFieldPath('b'), 'B'))).toEqual(['a', 'B', 's']);
    expect(renameLeaf(v, parseFieldPath('b.d'), 'D')).toEqual({ a: 1, b: { c: 2, D: { e: 3 } }, s: 'x' });
    expect(renameLeaf({ a: 1, b: 2 }, ['a'], 'b')).toEqual({ b: 1 });
    expect(renameLeaf(v, parseFieldPath('nope'), 'x')).toBe(v);
  });
});
