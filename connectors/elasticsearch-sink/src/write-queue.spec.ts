import type { WriteAction } from './plan-write';
import { fold, mergeDoc, WriteQueue } from './write-queue';

let offset = 0;
function action(
  id: string,
  kind: WriteAction['kind'],
  doc?: Record<string, unknown>,
  version?: number,
): WriteAction {
  const a: WriteAction = {
    record: {
      topic: 't',
      partition: 0,
      offset: offset++,
      key: id,
      value: doc ?? null,
      headers: {},
      timestamp: 0,
    },
    index: 'i',
    id,
    kind,
  };
  if (doc) a.doc = doc;
  if (version !== undefined) a.version = version;
  return a;
}

describe('fold', () => {
  it('versioned writes: the highest version wins, the first of equals stays', () => {
    expect(
      fold(
        { kind: 'index', index: 'i', id: 'a', doc: { v: 1 }, version: 5 },
        action('a', 'index', { v: 0 }, 3),
      ),
    ).toEqual({
      kind: 'index',
      index: 'i',
      id: 'a',
      doc: { v: 1 },
      version: 5,
    });
    expect(
      fold({ kind: 'delete', index: 'i', id: 'a', version: 7 }, action('a', 'delete', undefined, 7))?.version,
    ).toBe(7);
    expect(
      fold({ kind: 'index', index: 'i', id: 'a', doc: {}, version: 5 }, action('a', 'delete', undefined, 9)),
    ).toMatchObject({
      kind: 'delete',
      version: 9,
    });
  });

  it('does not fold a versioned write with an unversioned one', () => {
    expect(
      fold({ kind: 'index', index: 'i', id: 'a', doc: {}, version: 5 }, action('a', 'index', {})),
    ).toBeNull();
  });

  it('unversioned: index/delete replace, upserts merge, an upsert after a delete becomes an index', () => {
    const w = { kind: 'upsert' as const, index: 'i', id: 'a', doc: { a: 1, o: { x: 1 } } };
    expect(fold(w, action('a', 'upsert', { b: 2, o: { y: 2 } }))).toEqual({
      ...w,
      doc: { a: 1, b: 2, o: { x: 1, y: 2 } },
    });
    expect(fold(w, action('a', 'delete'))).toEqual({ kind: 'delete', index: 'i', id: 'a' });
    expect(fold({ kind: 'delete', index: 'i', id: 'a' }, action('a', 'upsert', { c: 3 }))).toEqual({
      kind: 'index',
      index: 'i',
      id: 'a',
      doc: { c: 3 },
    });
  });

  it('mergeDoc replaces arrays and nulls, merges objects', () => {
    expect(mergeDoc({ a: [1, 2], o: { x: 1 }, n: 1 }, { a: [3], o: null, m: { y: 1 } })).toEqual({
      a: [3],
      o: null,
      n: 1,
      m: { y: 1 },
    });
  });
});

describe('WriteQueue', () => {
  it('offers only the oldest write of each document, first-seen first, up to a limit', () => {
    const q = new WriteQueue();
    q.add(action('a', 'index', { n: 1 }, 1));
    q.add(action('b', 'index', { n: 1 }, 2));
    q.add(action('a', 'index', { n: 2 }, 3));
    q.add(action('c', 'index', { n: 1 }, 4));
    expect(q.pending).toBe(4);
    const ready = q.ready(0, 2);
    expect(ready.map((u) => [u.write.id, u.write.version, u.actions.length])).toEqual([
      ['a', 3, 2],
      ['b', 2, 1],
    ]);
    for (const u of ready) q.done(u);
    expect(q.pending).toBe(1);
    expect(q.ready(0, 10).map((u) => u.write.id)).toEqual(['c']);
  });

  it('holds back a document whose write is backing off, and says when it is due', () => {
    const q = new WriteQueue();
    q.add(action('a', 'index', {}, 1));
    q.add(action('b', 'index', {}, 1));
    const [a] = q.ready(0, 10);
    if (!a) throw new Error('no unit');
    a.notBefore = 500;
    expect(q.ready(100, 10).map((u) => u.write.id)).toEqual(['b']);
    expect(q.nextReadyAt()).toBe(0);
    q.done(q.ready(100, 10)[0] as never);
    expect(q.nextReadyAt()).toBe(500);
    expect(q.ready(500, 10).map((u) => u.write.id)).toEqual(['a']);
  });

  it('splits a folded write back into its records, in order, and folds nothing more into them', () => {
    const q = new WriteQueue();
    q.add(action('a', 'upsert', { v: 1 }));
    q.add(action('a', 'upsert', { v: 2 }));
    const [folded] = q.ready(0, 10);
    if (!folded) throw new Error('no unit');
    expect(folded.write.doc).toEqual({ v: 2 });
    q.split(folded);
    q.add(action('a', 'upsert', { v: 3 }));
    const order: unknown[] = [];
    for (let u = q.ready(0, 10)[0]; u; u = q.ready(0, 10)[0]) {
      order.push(u.write.doc);
      q.done(u);
    }
    expect(order).toEqual([{ v: 1 }, { v: 2 }, { v: 3 }]);
    expect(q.pending).toBe(0);
  });

  it('refuses to complete a write that is not the oldest of its document', () => {
    const q = new WriteQueue();
    q.add(action('a', 'index', {}, 1));
    const [u] = q.ready(0, 1);
    q.done(u as never);
    expect(() => q.done(u as never)).toThrow(/oldest/);
  });
});
