import { defineConnector } from '@tributary/connect-sdk';
import { reconcileConfig } from './config';
import { ReconcileTask } from './reconcile-task';

export { reconcileConfig, type ReconcileConfig } from './config';
export type * from './report-types';

export const reconcile = defineConnector({
  name: 'reconcile',
  kind: 'sink',
  version: '0.1.0',
  summary:
    'Compares two topics during a migration (old service vs new) by business key and reports matched, missing and mismatching keys.',
  description: [
    'Reads `left.topic` and `right.topic` (no `topics:` entry needed), extracts a business key from each side,',
    'normalises both values (`fields`: renames, ignored fields, numeric tolerance, timestamp truncation) and',
    'compares the latest version of each side. The key fields themselves are not compared again, and the',
    'Kafka record key is not read (its converter defaults to `string`, so any key bytes will do).',
    '',
    '**Results.** Every key is in one category: `pending` (waiting inside the window), `matched`,',
    '`missing-right` (seen on the left only), `missing-left` (seen on the right only) or `field-mismatch` (the',
    'latest versions differ; the report lists every differing field). Events that repeat the version a side',
    'already holds (identical content) count as `duplicate`, older versions as `stale`; neither changes a result.',
    'Absent and null fields are equal; numbers and numeric strings compare by value within `tolerance`.',
    '',
    '**Time.** Everything is measured in event time (the record timestamp, or `timestamp`). Each side has a',
    'watermark: the lowest, over its partitions, of the latest event time read. A key seen on one side becomes',
    'missing once the other side’s watermark passes its first event time plus `window`; sides that differ get',
    'the same `window` to converge (unless both carry the same `version`, which is a mismatch at once). A',
    'counterpart that arrives later than `window` corrects the result and marks the key `late`; the report then',
    'holds the missing result and its correction, in that order, whatever order the worker read the topics in.',
    'So the results depend on what the services wrote, not on when the worker read it: a backlog, a restart or',
    'a slow partition change nothing. Each partition must be in event-time order (as a service writing as it',
    'goes is); a partition silent for `idle` stops holding its watermark back.',
    '',
    '**State and restarts.** Per-key state lives in a compacted topic (`state.topic`), written with the results',
    'at every flush and before the consumer offsets are committed. It records the offsets it applied, so records',
    'replayed after a crash change nothing, and the totals are recounted from it at start. Results go to',
    '`report.topic` as JSON: one record per change of a key’s result, keyed by the business key, with a',
    '`revision` that grows per key. Delivery is at-least-once: results written after the last saved state are',
    'written again after a crash (their times or revision order may differ), so the last record of a key is the',
    'one that holds; the totals come from the state and are exact.',
    '',
    '**Memory.** Every key seen stays in memory, about 1.2 KB each: the worker’s default heap',
    '(`TRIBUTARY_CONNECT_HEAP_MB`, 128) holds about 80k keys; raise it for more (1M keys: about 1.5 GB). Status',
    'carries a warning once the heap is 80% full.',
    '',
    '**Status.** Totals, rates, watermarks, the most frequent mismatching fields and examples are in',
    '`GET /connectors/{name}/status` (task `details`), on `/metrics` (`tributary_reconcile_results`,',
    '`tributary_reconcile_mismatch_ratio`, `tributary_reconcile_watermark_seconds`) and in',
    '`tributary reconcile status|report|verdict`.',
  ].join('\n'),
  config: reconcileConfig,
  example: {
    left: { topic: 'ORDER', key: 'order_id' },
    right: { topic: 'ORDERNEW', key: 'id' },
    window: '30s',
    fields: { map: { total_cents: 'amount' }, ignore: ['updated_at'], tolerance: { amount: 0 } },
  },
  topicsOf: (c) => [c.left.topic, c.right.topic],
  // The business key comes from the value; the record key is never read, so any key bytes will do.
  converterDefaults: { key: 'string' },
  taskConfigs: (c) => [c],
  createTask: () => new ReconcileTask(),
});
