import type { SinkRecord } from '@tributary/connect-sdk';
import { describeSinkAcceptance } from '@tributary/connect-sdk/acceptance';
import { reconcile } from './index';
import type { ReportRecord } from './report-types';

const T0 = Date.UTC(2026, 10, 23, 10);

/** Record i is order i/2 on the left (even i) or on the right (odd i): each pair matches. */
function orders(from: number, to: number): SinkRecord[] {
  const out: SinkRecord[] = [];
  for (let i = from; i < to; i++) {
    const n = Math.floor(i / 2);
    const left = i % 2 === 0;
    out.push({
      topic: left ? 'ORDER' : 'ORDERNEW',
      partition: 0,
      offset: n,
      key: null,
      value: left ? { order_id: `o-${n}`, total_cents: 100 + n } : { id: `O-${n}`, amount: 100 + n },
      headers: {},
      timestamp: T0 + n * 1000,
    });
  }
  return out;
}

describeSinkAcceptance(reconcile, {
  config: () => ({
    left: { topic: 'ORDER', key: 'order_id' },
    right: { topic: 'ORDERNEW', key: 'id' },
    keys: { lowercase: true },
    fields: { map: { total_cents: 'amount' } },
    report: { topic: 'recon.report' },
  }),
  records: orders,
  // One matched result per complete pair, each reported once however often the records came.
  expectedOutput: (records) => {
    const lefts = new Set(records.filter((r) => r.topic === 'ORDER').map((r) => r.offset));
    const rights = new Set(records.filter((r) => r.topic === 'ORDERNEW').map((r) => r.offset));
    return [...lefts].filter((n) => rights.has(n)).map((n) => ({ key: `o-${n}`, category: 'matched' }));
  },
  readOutput: (_dir, topics) =>
    topics.values('recon.report').map((v) => ({
      key: (v as ReportRecord).key,
      category: (v as ReportRecord).category,
    })),
  badConfigs: [
    { config: { right: { topic: 'B', key: 'id' } }, expect: /missing required key "left"/ },
    {
      config: { left: { topic: 'A', key: 'id' }, right: { topic: 'A', key: 'id' } },
      expect: /same topic "A"/,
    },
    {
      config: { left: { topic: 'A', key: '{{id' }, right: { topic: 'B', key: 'id' } },
      expect: /not a field path|unbalanced/,
    },
    {
      config: { left: { topic: 'A', key: 'id' }, right: { topic: 'B', key: 'id' }, window: 'soon' },
      expect: /not a duration/,
    },
    {
      config: { left: { topic: 'A', key: 'id', colour: 1 }, right: { topic: 'B', key: 'id' } },
      expect: /unknown key "colour"/,
    },
    {
      config: {
        left: { topic: 'A', key: 'id' },
        right: { topic: 'B', key: 'id' },
        fields: { tolerance: { amount: -1 } },
      },
      expect: />=0|too small/i,
    },
  ],
});
