import { renderStatus, statusJson } from './status-view';
import { details, noKeysYet } from './testing/details';

describe('reconcile status view', () => {
  it('--json is one flat object of the counts and rates', () => {
    const j = statusJson(details());
    expect(j).toEqual({
      pending: 3,
      matched: 9988,
      missingRight: 4,
      missingLeft: 3,
      fieldMismatch: 5,
      duplicate: 17,
      late: 2,
      stale: 1,
      keys: 10003,
      compared: 10000,
      matchRate: 0.9988,
      mismatchRate: 0.0012,
    });
    expect(Object.values(j).every((v) => typeof v === 'number')).toBe(true);
  });

  it('prints the categories with shares of keys, the rates, both sides and the task state', () => {
    const d = details({}, { topFields: [{ field: 'total', count: 3 }] });
    d.right.watermark = null;
    expect(renderStatus('orders-recon', 'RUNNING', d).split('\n')).toEqual([
      'orders-recon: task RUNNING, window 5m, results on recon.report',
      'CATEGORY            COUNT  SHARE OF KEYS',
      'pending                 3  0.03%',
      'matched              9988  99.85%',
      'missing-right           4  0.04%',
      'missing-left            3  0.03%',
      'field-mismatch          5  0.05%',
      'duplicate (events)     17  -',
      'late                    2  0.02%',
      'stale (events)          1  -',
      '',
      '10003 keys, 10000 compared: match rate 99.88%, mismatch rate 0.12%',
      'top mismatching fields: total (3)',
      '',
      'SIDE   TOPIC      WATERMARK                 EVENTS',
      'left   orders.v1  2024-05-01T10:00:00.000Z   10010',
      'right  orders.v2  -                          10004',
      '',
    ]);
  });

  it('shows dashes, not NaN, before any key was seen', () => {
    const empty = noKeysYet();
    const out = renderStatus('r', 'RUNNING', empty);
    expect(out).not.toMatch(/NaN/);
    expect(out).toContain('matched                 0  -');
  });

  it('prints the connector warnings last', () => {
    const d = { ...details({ matched: 1, keys: 1 }), warnings: ['the worker heap is 85% full'] };
    expect(renderStatus('r', 'RUNNING', d)).toMatch(/\nwarning: the worker heap is 85% full\n$/);
  });
});
