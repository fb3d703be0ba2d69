import { MultilineJoiner, type TextEvent } from './multiline';

/** Consecutive lines, each `text.length + 1` bytes long. */
function lines(...texts: string[]): TextEvent[] {
  let at = 0;
  return texts.map((text) => {
    const e = { start: at, end: at + text.length + 1, text, oversized: false };
    at = e.end;
    return e;
  });
}

describe('MultilineJoiner', () => {
  it('appends continuation lines to the event they follow', () => {
    const j = new MultilineJoiner(/^\d/, 500);
    const out = lines('1 boom', '  at a', '  at b', '2 next').flatMap((l) => j.push(l, 0));
    expect(out).toEqual([{ start: 0, end: 21, text: '1 boom\n  at a\n  at b', oversized: false }]);
    expect(j.hasPending).toBe(true);
  });

  it('emits the pending event only after the flush timeout without new lines', () => {
    const j = new MultilineJoiner(/^\d/, 500);
    j.push(lines('1 only')[0], 1000);
    expect(j.takeIfIdle(2999, 2000)).toBeNull();
    expect(j.takeIfIdle(3000, 2000)).toMatchObject({ text: '1 only' });
    expect(j.hasPending).toBe(false);
  });

  it('starts a new event when one reaches max.lines, and for lines before the first start line', () => {
    const j = new MultilineJoiner(/^\d/, 2);
    const out = lines('orphan', '1 a', ' b', ' c', '2 d').flatMap((l) => j.push(l, 0));
    expect(out.map((e) => e.text)).toEqual(['orphan', '1 a\n b', ' c']);
  });

  it('emits an oversized line on its own', () => {
    const j = new MultilineJoiner(/^\d/, 500);
    const [a, b] = lines('1 a', 'x'.repeat(10));
    j.push(a, 0);
    expect(j.push({ ...b, oversized: true }, 0).map((e) => e.text)).toEqual(['1 a', 'x'.repeat(10)]);
    expect(j.hasPending).toBe(false);
  });
});
