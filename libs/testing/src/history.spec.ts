import { checkHistory, type HistoryMessage } from './history';

const m = (partition: number, value: string, offset?: number): HistoryMessage => ({
  partition,
  key: `k-${value}`,
  value,
  headers: { h: value },
  ...(offset !== undefined ? { offset } : {}),
});

describe('checkHistory', () => {
  it('accepts an exact round trip across partitions', () => {
    const sent = [m(0, 'a'), m(1, 'b'), m(0, 'c')];
    const r = checkHistory(sent, [m(1, 'b', 0), m(0, 'a', 0), m(0, 'c', 1)], { contiguousOffsets: true });
    expect(r.ok).toBe(true);
    expect(r.summary).toBe('ok: 3 sent, 3 consumed');
  });

  it('reports lost, duplicated, reordered and unexpected messages', () => {
    const sent = [m(0, 'a'), m(0, 'b'), m(0, 'c'), m(0, 'd')];
    const r = checkHistory(sent, [m(0, 'b'), m(0, 'a'), m(0, 'b'), m(0, 'x'), m(0, 'c')]);
    expect(r.ok).toBe(false);
    expect(r.lost.map((x) => x.value)).toEqual(['d']);
    expect(r.duplicated.map((x) => x.value)).toEqual(['b']);
    expect(r.reordered.map((x) => [x.message.value, x.cameAfter.value])).toEqual([['a', 'b']]);
    expect(r.unexpected.map((x) => x.value)).toEqual(['x']);
    expect(r.summary).toContain('lost: p0');
  });

  it('treats a changed header as lost plus unexpected', () => {
    const changed = { ...m(0, 'a'), headers: { h: 'other' } };
    const r = checkHistory([m(0, 'a')], [changed]);
    expect(r.lost).toHaveLength(1);
    expect(r.unexpected).toHaveLength(1);
  });

  it('allows "maybe" messages to be present or absent', () => {
    const sent = [m(0, 'a'), m(0, 'b')];
    expect(checkHistory(sent, [m(0, 'a'), m(0, 'b'), m(0, 'c')], { maybe: [m(0, 'c')] }).ok).toBe(true);
    expect(checkHistory(sent, [m(0, 'a'), m(0, 'b')], { maybe: [m(0, 'c')] }).ok).toBe(true);
  });

  it('finds offset holes', () => {
    const sent = [m(0, 'a'), m(0, 'b')];
    const r = checkHistory(sent, [m(0, 'a', 0), m(0, 'b', 2)], { contiguousOffsets: true });
    expect(r.offsetHoles).toEqual([{ partition: 0, expected: 1, got: 2 }]);
    expect(r.ok).toBe(false);
  });
});
