import { seededRandom } from '@tributary/common';
import type { Totals } from '../../connectors/reconcile/src/report-types';

/**
 * The example migration as data: the old order service writes topic ORDER, the new one ORDERNEW, and the new one
 * has deliberate bugs. Pure and deterministic for a seed, so a test (or play-order-services) can produce the same
 * events again and know exactly what `connectors/reconcile` must report once every window has passed.
 *
 * Every delay is a fraction of the window so a short window in a test keeps the same meaning; the seconds in the
 * comments are for the default 30 s window.
 */

/** One record: `key` is the Kafka key (the side's own id), `timestamp` its event time (Kafka record timestamp). */
export interface ScenarioEvent {
  key: string;
  value: Record<string, unknown>;
  timestamp: number;
}

/** What the reconciler's totals must be after the stream (keys counted lower-cased). */
export type ExpectedResult = Omit<Totals, 'pending' | 'stale'> & {
  pending: 0;
  stale: 0;
  /** Keys in field-mismatch per differing field (right-side names, dotted paths); fields with none left out. */
  fields: Record<string, number>;
};

export interface DuplicateRef {
  side: 'left' | 'right';
  /** Normalised (lower-case) key. */
  key: string;
  version: number;
  /** Event time of the repeated copy. */
  timestamp: number;
}

/** The keys each fault was injected into, normalised (lower-case) and sorted. */
export interface ScenarioFaults {
  /** New amount is total_cents ± 1: field-mismatch on `amount`. */
  rounding: string[];
  /** New service omits customer.email: field-mismatch on `customer.email`. */
  droppedField: string[];
  /** Never written by the new service: missing-right. */
  missing: string[];
  /** New service 1.5–3 windows after the old one: matched, counted late. */
  late: string[];
  /** Written by the new service only (ids O-9xxxxx): missing-left. */
  extra: string[];
  /** New service 1/6–5/6 of a window after the old one: not a fault, must end matched and not late. */
  slow: string[];
  /** Version 2 (status paid) on both sides. */
  updated: string[];
  /** Each extra copy of an event (one per duplicate the reconciler must count). */
  duplicates: DuplicateRef[];
}

export interface OrderScenario {
  /** Old service (topic ORDER), sorted by timestamp. */
  left: ScenarioEvent[];
  /** New service (topic ORDERNEW), sorted by timestamp. */
  right: ScenarioEvent[];
  expected: ExpectedResult;
  faults: ScenarioFaults;
}

export interface OrderScenarioOptions {
  orders: number;
  seed?: number;
  /** Event time of the first order (ms since the epoch). */
  startMs: number;
  /** Event time between two orders of the old service; default 50. */
  spacingMs?: number;
  /** The reconciler's window; default 30000. */
  windowMs?: number;
}

/** Fault rates per order (duplicate: per event). Counts are these rates of the whole run, all placed before the tail. */
export const FAULT_RATES = {
  rounding: 0.005,
  droppedField: 0.003,
  missing: 0.002,
  late: 0.002,
  extra: 0.001,
  duplicate: 0.01,
  update: 0.1,
  slow: 0.03,
} as const;

/** Delays as [min, max] fractions of the window. */
const DELAY = {
  normal: [0, 0.1], // new service 0–3 s after the old one
  slow: [1 / 6, 5 / 6], // 5–25 s: late-ish but inside the window
  late: [1.5, 3], // 45–90 s: past the window
  update: [1 / 3, 2], // old service's update 10–60 s after the create
  updateFollow: [0, 0.1], // new service's update 0–3 s after the old one's
  duplicate: [1 / 150, 1 / 15], // a re-sent copy 0.2–2 s after the original
} as const;

/** The reconciler needs this much clean event time at the end for its watermarks to pass every deadline. */
export const cleanTailMs = (windowMs: number): number => 2 * windowMs + 60_000;

const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK'] as const;
/** Order numbers above this would collide with the extra orders' O-9xxxxx ids. */
const MAX_ORDERS = 899_999;

type Rand = () => number;
const intIn = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const delayIn = (rand: Rand, range: readonly [number, number], windowMs: number, min = 0): number =>
  intIn(rand, Math.max(min, Math.ceil(range[0] * windowMs)), Math.floor(range[1] * windowMs));

/** k distinct elements of `from`, in shuffled order (partial Fisher–Yates on a copy). */
function pick<T>(rand: Rand, from: readonly T[], k: number): T[] {
  const a = [...from];
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = intIn(rand, i, a.length - 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

/** A deep copy of a value, in the caller's realm (structuredClone's objects fail deep equality under jest). */
const copyOf = (v: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      x && typeof x === 'object' ? copyOf(x as Record<string, unknown>) : x,
    ]),
  );
const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const isoMs = (ms: number): string => new Date(ms).toISOString();
/** The old service writes second precision. */
const isoSeconds = (ms: number): string => isoMs(ms).replace(/\.\d{3}Z$/, 'Z');

/** What one order looks like before either service writes it. */
interface Order {
  /** Lower-case business key, as the reconciler normalises it. */
  key: string;
  createdMs: number;
  customer: string;
  totalCents: number;
  currency: string;
  items: number;
}

interface RightFaults {
  amountDelta: number;
  dropEmail: boolean;
}

function oldValue(o: Order, version: number, status: string, atMs: number): Record<string, unknown> {
  return {
    order_id: o.key,
    customer: { id: o.customer, email: `${o.customer}@example.com` },
    total_cents: o.totalCents,
    currency: o.currency,
    status,
    items: o.items,
    created_at: isoSeconds(o.createdMs),
    updated_at: isoSeconds(atMs),
    version,
  };
}

function newValue(
  o: Order,
  f: RightFaults,
  version: number,
  status: string,
  atMs: number,
): Record<string, unknown> {
  return {
    id: o.key.toUpperCase(),
    customer: f.dropEmail ? { id: o.customer } : { id: o.customer, email: `${o.customer}@example.com` },
    amount: o.totalCents + f.amountDelta,
    currency: o.currency,
    status,
    items: o.items,
    created_at: isoMs(o.createdMs),
    updated_at: isoMs(atMs),
    version,
  };
}

function randomOrder(rand: Rand, key: string, createdMs: number): Order {
  return {
    key,
    createdMs,
    customer: `c-${pad(intIn(rand, 1, 5000), 4)}`,
    totalCents: intIn(rand, 100, 100_000),
    currency: CURRENCIES[intIn(rand, 0, CURRENCIES.length - 1)]!,
    items: intIn(rand, 1, 9),
  };
}

function checkOptions(opts: OrderScenarioOptions): Required<OrderScenarioOptions> {
  const o = { seed: 1, spacingMs: 50, windowMs: 30_000, ...opts };
  const whole = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isSafeInteger(v) || v < min || v > max)
      throw new RangeError(`orderScenario: ${name} must be a whole number in [${min}, ${max}], got ${v}`);
  };
  whole('orders', o.orders, 1, MAX_ORDERS);
  whole('seed', o.seed, 0, 0xffffffff);
  whole('startMs', o.startMs, 0);
  whole('spacingMs', o.spacingMs, 1);
  whole('windowMs', o.windowMs, 1000);
  return o;
}

interface Draft {
  side: 'left' | 'right';
  key: string;
  version: number;
  event: ScenarioEvent;
  /** May carry a duplicate: before the clean tail. */
  faultable: boolean;
}

/**
 * `orders` orders of the old service, `spacingMs` apart from `startMs`, the new service's copies and faults, and the
 * totals they imply. Faults are rates of `orders` but only in orders that end before the clean tail, so a run
 * needs about 3 windows + the tail (215 s at the defaults, ~4300 orders 50 ms apart) before any fault appears.
 */
export function orderScenario(opts: OrderScenarioOptions): OrderScenario {
  const { orders: n, seed, startMs, spacingMs, windowMs } = checkOptions(opts);
  const rand = seededRandom(seed);
  const orders: Order[] = [];
  for (let i = 0; i < n; i++)
    orders.push(
      randomOrder(rand, `o-${pad(i + 1, 6)}`, startMs + i * spacingMs + intIn(rand, 0, spacingMs - 1)),
    );

  // Faults only for orders whose every event (late counterpart plus a duplicate of it) precedes the clean tail.
  const longestMs =
    Math.ceil(DELAY.late[1] * windowMs) + Math.ceil(DELAY.duplicate[1] * windowMs) + spacingMs;
  const cutoff = orders[n - 1]!.createdMs - cleanTailMs(windowMs) - longestMs;
  const eligible = orders.map((_, i) => i).filter((i) => orders[i]!.createdMs < cutoff);
  const want = (target: number, available: number): number =>
    Math.min(available, eligible.length === 0 ? 0 : Math.max(1, Math.round(target)));

  // Key faults are disjoint: consecutive slices of one shuffle of the eligible orders.
  const shuffled = pick(rand, eligible, eligible.length);
  let taken = 0;
  const take = (rate: number): Set<number> => {
    const k = want(rate * n, shuffled.length - taken);
    taken += k;
    return new Set(shuffled.slice(taken - k, taken));
  };
  const rounding = take(FAULT_RATES.rounding);
  const dropped = take(FAULT_RATES.droppedField);
  const missing = take(FAULT_RATES.missing);
  const late = take(FAULT_RATES.late);
  const onTime = (i: number): boolean => !missing.has(i) && !late.has(i);
  const updatable = eligible.filter(onTime);
  const updated = new Set(pick(rand, updatable, want(FAULT_RATES.update * n, updatable.length)));
  // Slow orders are otherwise clean, so each must end plain matched.
  const slowCandidates = orders
    .map((_, i) => i)
    .filter((i) => onTime(i) && !rounding.has(i) && !dropped.has(i));
  const slow = new Set(pick(rand, slowCandidates, Math.round(FAULT_RATES.slow * n)));
  const extraAt = pick(rand, eligible, want(FAULT_RATES.extra * n, eligible.length)).sort((a, b) => a - b);

  const drafts: Draft[] = [];
  const emit = (
    side: Draft['side'],
    o: Order,
    version: number,
    at: number,
    value: Record<string, unknown>,
  ): void => {
    const key = side === 'left' ? o.key : o.key.toUpperCase();
    drafts.push({
      side,
      key: o.key,
      version,
      event: { key, value, timestamp: at },
      faultable: o.createdMs < cutoff,
    });
  };

  orders.forEach((o, i) => {
    const f: RightFaults = {
      amountDelta: rounding.has(i) ? (rand() < 0.5 ? -1 : 1) : 0,
      dropEmail: dropped.has(i),
    };
    emit('left', o, 1, o.createdMs, oldValue(o, 1, 'created', o.createdMs));
    if (missing.has(i)) return;
    const delay = delayIn(rand, late.has(i) ? DELAY.late : slow.has(i) ? DELAY.slow : DELAY.normal, windowMs);
    const rightAt = o.createdMs + delay;
    emit('right', o, 1, rightAt, newValue(o, f, 1, 'created', rightAt));
    if (!updated.has(i)) return;
    // The old update comes after the new create (plus room for a duplicate) so the new side stays in version order.
    const minUpdate = delay + Math.ceil(DELAY.updateFollow[1] * windowMs);
    const leftUpd = o.createdMs + delayIn(rand, DELAY.update, windowMs, minUpdate);
    const rightUpd = leftUpd + delayIn(rand, DELAY.updateFollow, windowMs);
    emit('left', o, 2, leftUpd, oldValue(o, 2, 'paid', leftUpd));
    emit('right', o, 2, rightUpd, newValue(o, f, 2, 'paid', rightUpd));
  });
  extraAt.forEach((i, k) => {
    const at = orders[i]!.createdMs + intIn(rand, 0, spacingMs - 1);
    const o = randomOrder(rand, `o-9${pad(k + 1, 5)}`, at);
    emit('right', o, 1, at, newValue(o, { amountDelta: 0, dropEmail: false }, 1, 'created', at));
  });

  // A re-sent copy comes at most 2 s later: before the side's next version (at least 3 s later), never stale.
  const candidates = drafts.filter((d) => d.faultable);
  const duplicates: DuplicateRef[] = [];
  for (const d of pick(rand, candidates, want(FAULT_RATES.duplicate * drafts.length, candidates.length))) {
    const at = d.event.timestamp + delayIn(rand, DELAY.duplicate, windowMs, 1);
    drafts.push({ ...d, event: { ...d.event, value: copyOf(d.event.value), timestamp: at } });
    duplicates.push({ side: d.side, key: d.key, version: d.version, timestamp: at });
  }

  const side = (s: Draft['side']): ScenarioEvent[] =>
    drafts
      .filter((d) => d.side === s)
      .map((d) => d.event)
      .sort((a, b) => a.timestamp - b.timestamp);
  const keysOf = (set: Iterable<number>): string[] => [...set].map((i) => orders[i]!.key).sort();
  const faults: ScenarioFaults = {
    rounding: keysOf(rounding),
    droppedField: keysOf(dropped),
    missing: keysOf(missing),
    late: keysOf(late),
    extra: extraAt.map((_, k) => `o-9${pad(k + 1, 5)}`),
    slow: keysOf(slow),
    updated: keysOf(updated),
    duplicates: duplicates.sort((a, b) => a.timestamp - b.timestamp),
  };
  return { left: side('left'), right: side('right'), expected: expectedFrom(n, faults), faults };
}

/** The totals the fault sets imply; the spec checks them against a brute-force reading of the events. */
function expectedFrom(orders: number, f: ScenarioFaults): ExpectedResult {
  const keys = orders + f.extra.length;
  const fieldMismatch = f.rounding.length + f.droppedField.length;
  const fields: Record<string, number> = {};
  if (f.rounding.length > 0) fields.amount = f.rounding.length;
  if (f.droppedField.length > 0) fields['customer.email'] = f.droppedField.length;
  return {
    keys,
    pending: 0,
    matched: keys - fieldMismatch - f.missing.length - f.extra.length,
    missingRight: f.missing.length,
    missingLeft: f.extra.length,
    fieldMismatch,
    duplicate: f.duplicates.length,
    late: f.late.length,
    stale: 0,
    fields,
  };
}
