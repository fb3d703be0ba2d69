import { countRows, formatDuration, formatPercent, formatRecord, formatShare } from './format';
import { details } from './testing/details';

describe('reconcile formatting', () => {
  it('prints percentages with two decimals, and two significant digits when smaller than 0.01%', () => {
    expect(formatPercent(0.0012)).toBe('0.12%');
    expect(formatPercent(0.005)).toBe('0.50%');
    expect(formatPercent(1)).toBe('100.00%');
    expect(formatPercent(0)).toBe('0.00%');
    expect(formatPercent(1 / 1_000_000)).toBe('0.00010%');
    expect(formatPercent(3 / 10_000_000)).toBe('0.000030%');
  });

  it('shares of nothing are a dash, not NaN', () => {
    expect(formatShare(5, 0)).toBe('-');
    expect(formatShare(1, 4)).toBe('25.00%');
  });

  it('prints durations compactly', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(330_000)).toBe('5m 30s');
    expect(formatDuration(5_400_000)).toBe('1h 30m');
  });

  it('names a record by topic, partition and offset, with its version when known', () => {
    const ref = { topic: 'orders.v1', partition: 2, offset: 41, timestamp: '2024-05-01T10:00:00.000Z' };
    expect(formatRecord(ref)).toBe('orders.v1/2@41');
    expect(formatRecord({ ...ref, version: 7 })).toBe('orders.v1/2@41 (version 7)');
    expect(formatRecord(undefined)).toBe('-');
  });

  it('lists the categories in order with shares of keys, and no share for event counters', () => {
    expect(countRows(details())).toEqual([
      { label: 'pending', count: 3, share: '0.03%' },
      { label: 'matched', count: 9988, share: '99.85%' },
      { label: 'missing-right', count: 4, share: '0.04%' },
      { label: 'missing-left', count: 3, share: '0.03%' },
      { label: 'field-mismatch', count: 5, share: '0.05%' },
      { label: 'duplicate (events)', count: 17, share: null },
      { label: 'late', count: 2, share: '0.02%' },
      { label: 'stale (events)', count: 1, share: null },
    ]);
  });
});
