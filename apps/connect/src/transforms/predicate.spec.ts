import { compilePredicate, predicateSchema, type PredicateSpec } from './predicate';
import { rec } from './testing/build-one';

function p(spec: unknown): (value: unknown, topic?: string) => boolean {
  const f = compilePredicate(predicateSchema.parse(spec));
  return (value, topic = 'app-logs') => f(rec(value, { topic }));
}

describe('predicates', () => {
  it('field equals', () => {
    const f = p({ field: 'level', equals: 'debug' });
    expect(f({ level: 'debug' })).toBe(true);
    expect(f({ level: 'info' })).toBe(false);
    expect(f({})).toBe(false);
    expect(f('debug')).toBe(false);
    expect(p({ field: 'n', equals: null })({ n: null })).toBe(true);
    expect(p({ field: 'n', equals: null })({})).toBe(false);
    expect(p({ field: 'a.b', equals: 2 })({ a: { b: 2 } })).toBe(true);
  });

  it('field matches (whole string)', () => {
    const f = p({ field: 'msg', matches: 'time.*' });
    expect(f({ msg: 'timeout' })).toBe(true);
    expect(f({ msg: 'a timeout' })).toBe(false);
    expect(f({ msg: 42 })).toBe(false);
    expect(p({ field: 'code', matches: '5\\d\\d' })({ code: 503 })).toBe(true);
    expect(f({})).toBe(false);
  });

  it('field exists', () => {
    expect(p({ field: 'a', exists: true })({ a: null })).toBe(true);
    expect(p({ field: 'a', exists: true })({})).toBe(false);
    expect(p({ field: 'a', exists: false })({})).toBe(true);
    expect(p({ field: 'a', exists: false })('text')).toBe(true);
  });

  it('field in', () => {
    const f = p({ field: 'level', in: ['warn', 'error'] });
    expect(f({ level: 'warn' })).toBe(true);
    expect(f({ level: 'info' })).toBe(false);
    expect(f({})).toBe(false);
  });

  it('topic (whole name)', () => {
    const f = p({ topic: 'app-.*' });
    expect(f({}, 'app-logs')).toBe(true);
    expect(f({}, 'my-app-logs')).toBe(false);
  });

  it('tombstone', () => {
    expect(p({ tombstone: true })(null)).toBe(true);
    expect(p({ tombstone: true })({})).toBe(false);
    expect(p({ tombstone: false })('x')).toBe(true);
  });

  it('not, all, any', () => {
    expect(p({ not: { field: 'a', exists: true } })({})).toBe(true);
    const all = p({ all: [{ field: 'a', equals: 1 }, { topic: 'app-logs' }] });
    expect(all({ a: 1 })).toBe(true);
    expect(all({ a: 1 }, 'other')).toBe(false);
    const any = p({ any: [{ field: 'a', equals: 1 }, { tombstone: true }] });
    expect(any(null)).toBe(true);
    expect(any({ a: 2 })).toBe(false);
  });

  it('rejects malformed predicates', () => {
    const bad: unknown[] = [
      {},
      { field: 'a' },
      { field: 'a', equals: 1, exists: true },
      { equals: 1 },
      { topic: 'a', tombstone: true },
      { field: 'a', matches: '(' },
      { all: [] },
      { any: [{ feild: 'a', exists: true }] },
    ];
    for (const spec of bad) expect(predicateSchema.safeParse(spec).success).toBe(false);
    const ok: PredicateSpec = { any: [{ field: 'a', in: [1, 'x', null] }, { not: { topic: 'x' } }] };
    expect(predicateSchema.parse(ok)).toEqual(ok);
  });
});
