import { decideVerdict, parseCount, parseRate } from './verdict';
import { details, noKeysYet } from './testing/details';

const limits = { maxMismatchRate: 0.005, minCompared: 1 };

describe('parseRate', () => {
  it('accepts fractions and percentages', () => {
    expect(parseRate('--r', '0.005')).toBe(0.005);
    expect(parseRate('--r', '.5')).toBe(0.5);
    expect(parseRate('--r', '0')).toBe(0);
    expect(parseRate('--r', '1')).toBe(1);
    expect(parseRate('--r', '0.5%')).toBe(0.005);
    expect(parseRate('--r', ' 50% ')).toBe(0.5);
    expect(parseRate('--r', '100%')).toBe(1);
    expect(parseRate('--r', '12.5%')).toBe(0.125);
    expect(parseRate('--r', '.5%')).toBe(0.005);
  });

  it('shifts the decimal point of a percentage instead of dividing, so it equals the written fraction', () => {
    expect(0.7 / 100).not.toBe(0.007); // why the string shift exists
    expect(parseRate('--r', '0.7%')).toBe(0.007);
    expect(parseRate('--r', '0.7%')).toBe(7 / 1000);
  });

  it('rejects anything else, naming the option', () => {
    expect(() => parseRate('--max-mismatch-rate', 'abc')).toThrow(
      '--max-mismatch-rate expects a fraction like 0.005 or a percentage like 0.5%, got "abc"',
    );
    expect(() => parseRate('--r', '-0.1')).toThrow('expects a fraction');
    expect(() => parseRate('--r', '%')).toThrow('expects a fraction');
    expect(() => parseRate('--r', '')).toThrow('expects a fraction');
    expect(() => parseRate('--r', '5')).toThrow('--r must be at most 1 (100%), got "5"; did you mean 5%?');
    expect(() => parseRate('--r', '101%')).toThrow('--r must be at most 1 (100%), got "101%"');
  });
});

describe('parseCount', () => {
  it('takes whole numbers of at least 0', () => {
    expect(parseCount('--max-pending', '0')).toBe(0);
    expect(parseCount('--max-pending', '250')).toBe(250);
    expect(parseCount('--max-pending', undefined)).toBeUndefined();
    expect(() => parseCount('--max-pending', '-1')).toThrow('--max-pending must be at least 0, got -1');
    expect(() => parseCount('--max-pending', '1.5')).toThrow(
      '--max-pending expects a whole number, got "1.5"',
    );
  });
});

describe('decideVerdict', () => {
  it('passes under the limit with one line that gives the numbers', () => {
    expect(decideVerdict('orders-recon', details(), limits)).toEqual({
      pass: true,
      line: 'PASS orders-recon: mismatch rate 0.12% <= 0.50% (12 of 10000 compared keys; 3 pending)',
    });
  });

  it('passes when the rate equals the limit exactly, and fails one key above it', () => {
    const at = details({ matched: 993, missingRight: 7, missingLeft: 0, fieldMismatch: 0, keys: 1003 });
    expect(decideVerdict('r', at, { ...limits, maxMismatchRate: parseRate('--r', '0.7%') }).pass).toBe(true);
    expect(decideVerdict('r', at, { ...limits, maxMismatchRate: 0.007 }).line).toBe(
      'PASS r: mismatch rate 0.70% <= 0.70% (7 of 1000 compared keys; 3 pending)',
    );
    const above = details({ matched: 992, missingRight: 8, missingLeft: 0, fieldMismatch: 0, keys: 1003 });
    expect(decideVerdict('r', above, { ...limits, maxMismatchRate: 0.007 })).toEqual({
      pass: false,
      line:
        'FAIL r: mismatch rate 0.80% > 0.70% (8 of 1000 compared keys; 3 pending): ' +
        '8 missing-right, 0 missing-left, 0 field-mismatch',
    });
  });

  it('judges the exact division, not the rate the worker rounded', () => {
    const d = details({ matched: 993, missingRight: 7, missingLeft: 0, fieldMismatch: 0, keys: 1003 });
    d.rates.mismatchRate = 0.0070000001;
    expect(decideVerdict('r', d, { ...limits, maxMismatchRate: 0.007 }).pass).toBe(true);
  });

  it('fails when nothing was compared yet, saying why', () => {
    const waiting = details({
      pending: 5,
      matched: 0,
      missingRight: 0,
      missingLeft: 0,
      fieldMismatch: 0,
      keys: 5,
    });
    expect(decideVerdict('r', waiting, limits)).toEqual({
      pass: false,
      line: 'FAIL r: nothing compared yet (5 keys pending inside the 5m window)',
    });
    const empty = noKeysYet();
    expect(decideVerdict('r', empty, limits).line).toBe(
      'FAIL r: nothing compared yet (no keys seen on orders.v1 or orders.v2)',
    );
    expect(decideVerdict('r', empty, { ...limits, minCompared: 0 }).pass).toBe(true);
  });

  it('fails below --min-compared', () => {
    expect(decideVerdict('r', details(), { ...limits, minCompared: 10_001 }).line).toBe(
      'FAIL r: only 10000 keys compared, --min-compared is 10001',
    );
    expect(decideVerdict('r', details(), { ...limits, minCompared: 10_000 }).pass).toBe(true);
  });

  it('applies --max-pending only when given, the limit itself passing', () => {
    const busy = details({ pending: 400, keys: 10_400 });
    expect(decideVerdict('r', busy, limits).pass).toBe(true);
    expect(decideVerdict('r', busy, { ...limits, maxPending: 400 }).pass).toBe(true);
    expect(decideVerdict('r', busy, { ...limits, maxPending: 399 })).toEqual({
      pass: false,
      line: 'FAIL r: 400 keys pending > --max-pending 399',
    });
  });

  it('fails on the numbers of a task that is not running, which may be stale', () => {
    expect(decideVerdict('r', details(), limits, 'PAUSED')).toEqual({
      pass: false,
      line: 'FAIL r: task is PAUSED, so these counts may be stale',
    });
  });

  it('gives every reason at once', () => {
    const bad = details({
      pending: 9,
      matched: 90,
      missingRight: 4,
      missingLeft: 3,
      fieldMismatch: 3,
      keys: 109,
    });
    expect(decideVerdict('r', bad, { ...limits, maxPending: 0, minCompared: 1000 }, 'FAILED').line).toBe(
      'FAIL r: only 100 keys compared, --min-compared is 1000; ' +
        'mismatch rate 10.00% > 0.50% (10 of 100 compared keys; 9 pending): ' +
        '4 missing-right, 3 missing-left, 3 field-mismatch; ' +
        '9 keys pending > --max-pending 0; task is FAILED, so these counts may be stale',
    );
  });
});
