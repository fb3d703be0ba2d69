import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    [250, 250],
    [0, 0],
    ['1500', 1500],
    ['250ms', 250],
    ['2s', 2_000],
    ['1.5m', 90_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    [' 30 s ', 30_000],
  ])('%p is %p ms', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each([[-1], ['soon'], ['5 minutes'], ['1.5'], [''], [true], [null], [Number.NaN]])(
    'rejects %p',
    (input) => {
      expect(parseDuration(input)).toBeNull();
    },
  );
});
