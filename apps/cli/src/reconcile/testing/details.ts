import type { ReconcileDetails, Totals } from '../../../../../connectors/reconcile/src/report-types';

/**
 * Hand-made details for the specs: 10003 keys, 10000 compared, 12 of them mismatched (0.12%). Rates are
 * derived from the totals the way the contract defines them so that each spec only overrides what it tests.
 */
export function details(
  totals: Partial<Totals> = {},
  extra: Partial<ReconcileDetails> = {},
): ReconcileDetails {
  const t: Totals = {
    pending: 3,
    matched: 9988,
    missingRight: 4,
    missingLeft: 3,
    fieldMismatch: 5,
    duplicate: 17,
    late: 2,
    stale: 1,
    keys: 10003,
    ...totals,
  };
  const mismatched = t.missingRight + t.missingLeft + t.fieldMismatch;
  const compared = t.matched + mismatched;
  return {
    kind: 'reconcile',
    windowMs: 300_000,
    left: { topic: 'orders.v1', watermark: '2024-05-01T10:00:00.000Z', events: 10_010 },
    right: { topic: 'orders.v2', watermark: '2024-05-01T09:59:58.000Z', events: 10_004 },
    totals: t,
    rates: {
      compared,
      matchRate: compared > 0 ? t.matched / compared : 0,
      mismatchRate: compared > 0 ? mismatched / compared : 0,
    },
    topFields: [],
    examples: { fieldMismatch: [], missingRight: [], missingLeft: [], late: [] },
    reportTopic: 'recon.report',
    stateTopic: 'recon.state',
    ...extra,
  };
}

/** Details of a reconciler that has seen no key yet (duplicates and late arrivals as in details()). */
export function noKeysYet(): ReconcileDetails {
  return details({ pending: 0, matched: 0, missingRight: 0, missingLeft: 0, fieldMismatch: 0, keys: 0 });
}
