import { isDeepStrictEqual } from 'node:util';
import {
  cleanTailMs,
  orderScenario,
  type ExpectedResult,
  type OrderScenario,
  type OrderScenarioOptions,
  type ScenarioEvent,
} from './order-scenario';

const START = Date.UTC(2026, 10, 23, 10);

function flatten(
  v: Record<string, unknown>,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [k, x] of Object.entries(v)) {
    if (x !== null && typeof x === 'object' && !Array.isArray(x))
      flatten(x as Record<string, unknown>, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = x;
  }
  return out;
}

/** The example pipeline's rules: keys not compared, total_cents is amount, updated_at ignored, created_at to 1 s. */
function normalise(side: 'left' | 'right', value: Record<string, unknown>): Record<string, unknown> {
  const flat = flatten(value);
  delete flat[side === 'left' ? 'order_id' : 'id'];
  if (side === 'left') {
    flat.amount = flat.total_cents;
    delete flat.total_cents;
  }
  delete flat.updated_at;
  flat.created_at = Math.floor(Date.parse(flat.created_at as string) / 1000);
  return flat;
}

interface Held {
  version: number;
  value: Record<string, unknown>;
  first: number;
}

/** The reconciler's end result read straight off the events, with no event-time machinery at all. */
function bruteForce(s: Pick<OrderScenario, 'left' | 'right'>, windowMs: number): ExpectedResult {
  const held = { left: new Map<string, Held>(), right: new Map<string, Held>() };
  let duplicate = 0;
  let stale = 0;
  for (const side of ['left', 'right'] as const) {
    for (const e of s[side]) {
      const key = e.key.toLowerCase();
      const version = e.value.version as number;
      const h = held[side].get(key);
      if (!h || version > h.version)
        held[side].set(key, { version, value: e.value, first: h?.first ?? e.timestamp });
      else if (version < h.version) stale++;
      else if (isDeepStrictEqual(h.value, e.value)) duplicate++;
      else throw new Error(`${side} ${key} repeats version ${version} with other content`);
    }
  }
  const r = { keys: 0, matched: 0, missingRight: 0, missingLeft: 0, fieldMismatch: 0, late: 0 };
  const fields: Record<string, number> = {};
  for (const key of new Set([...held.left.keys(), ...held.right.keys()])) {
    r.keys++;
    const [l, rt] = [held.left.get(key), held.right.get(key)];
    if (!rt) r.missingRight++;
    else if (!l) r.missingLeft++;
    else {
      if (Math.abs(rt.first - l.first) > windowMs) r.late++;
      const [a, b] = [normalise('left', l.value), normalise('right', rt.value)];
      const diff = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((f) => a[f] !== b[f]);
      if (diff.length === 0) r.matched++;
      else r.fieldMismatch++;
      for (const f of diff) fields[f] = (fields[f] ?? 0) + 1;
    }
  }
  return { ...r, pending: 0, duplicate, stale: stale as 0, fields };
}

type Side = 'left' | 'right';

/** FNV-1a: some fixed key-to-partition spread (Kafka's is murmur2; any keeps a key in one partition). */
const partitionOf = (key: string, partitions: number): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % partitions;
};

/**
 * The window rule over a processing order: a one-sided key waits until the other side's watermark (min over
 * partitions of the max event time) passes its time + window, then is missing; a counterpart after that corrects it.
 */
function windowRule(order: Array<{ side: Side; e: ScenarioEvent }>, windowMs: number, partitions = 3) {
  const maxTs = {
    left: Array<number>(partitions).fill(-Infinity),
    right: Array<number>(partitions).fill(-Infinity),
  };
  const seen = { left: new Set<string>(), right: new Set<string>() };
  type Waiting = Array<{ key: string; deadline: number }>;
  const queue: Record<Side, Waiting> = { left: [], right: [] };
  const head = { left: 0, right: 0 };
  const missing = new Set<string>();
  const corrected = new Set<string>();
  const other = (s: Side): Side => (s === 'left' ? 'right' : 'left');
  for (const { side, e } of order) {
    const key = e.key.toLowerCase();
    const p = partitionOf(key, partitions);
    maxTs[side][p] = Math.max(maxTs[side][p]!, e.timestamp);
    if (!seen[side].has(key) && !seen[other(side)].has(key))
      queue[side].push({ key, deadline: e.timestamp + windowMs });
    if (!seen[side].has(key) && missing.delete(key)) corrected.add(key);
    seen[side].add(key);
    // Both queues: a key may also arrive when the other side's watermark is already past its deadline.
    for (const waits of ['left', 'right'] as const) {
      const watermark = Math.min(...maxTs[other(waits)]);
      const q = queue[waits];
      while (head[waits] < q.length && watermark > q[head[waits]]!.deadline) {
        const { key: k } = q[head[waits]++]!;
        if (!seen[other(waits)].has(k)) missing.add(k);
      }
    }
  }
  const pending = (['left', 'right'] as const).flatMap((s) =>
    queue[s].slice(head[s]).filter((w) => !seen[other(s)].has(w.key)),
  );
  return { missing, corrected, pending };
}

const tagged = (s: OrderScenario, side: Side) => s[side].map((e) => ({ side, e }));

const sorted = (events: ScenarioEvent[]): boolean =>
  events.every((e, i) => i === 0 || events[i - 1]!.timestamp <= e.timestamp);

function faultyKeys(s: OrderScenario): Set<string> {
  const f = s.faults;
  return new Set([
    ...[f.rounding, f.droppedField, f.missing, f.late, f.extra, f.updated].flat(),
    ...f.duplicates.map((d) => d.key),
  ]);
}

describe('orderScenario', () => {
  const big = orderScenario({ orders: 50_000, seed: 7, startMs: START });

  it('is deterministic for a seed', () => {
    const opts = { orders: 6000, seed: 3, startMs: START };
    expect(orderScenario(opts)).toEqual(orderScenario(opts));
    expect(orderScenario({ ...opts, seed: 4 }).left).not.toEqual(orderScenario(opts).left);
  });

  it('injects every fault into 50k orders', () => {
    const { faults, expected } = big;
    for (const list of Object.values(faults)) expect(list.length).toBeGreaterThan(0);
    for (const n of [expected.missingRight, expected.missingLeft, expected.fieldMismatch, expected.duplicate])
      expect(n).toBeGreaterThan(0);
    expect(expected.fields).toEqual({
      amount: faults.rounding.length,
      'customer.email': faults.droppedField.length,
    });
    expect(expected.late).toBe(faults.late.length);
    expect(faults.updated.length).toBeGreaterThan(4000);
  });

  it('keeps the key faults (and the slow orders) disjoint and updates off missing and late orders', () => {
    const f = big.faults;
    const keyFaults = [f.rounding, f.droppedField, f.missing, f.late, f.extra, f.slow].flat();
    expect(new Set(keyFaults).size).toBe(keyFaults.length);
    const noUpdate = new Set([...f.missing, ...f.late, ...f.extra]);
    expect(f.updated.filter((k) => noUpdate.has(k))).toEqual([]);
  });

  it('sorts each side by event time', () => {
    expect(sorted(big.left)).toBe(true);
    expect(sorted(big.right)).toBe(true);
  });

  it.each<[string, OrderScenarioOptions]>([
    ['50k orders, seed 7', { orders: 50_000, seed: 7, startMs: START }],
    ['the CLI default of 5000 orders', { orders: 5000, seed: 1, startMs: START }],
    ['a 3 s window, 10 ms apart', { orders: 20_000, seed: 2, startMs: START, spacingMs: 10, windowMs: 3000 }],
  ])('expects what a brute-force reading of the events gives: %s', (_, opts) => {
    const s = opts.orders === 50_000 ? big : orderScenario(opts);
    expect(bruteForce(s, opts.windowMs ?? 30_000)).toEqual(s.expected);
    for (const n of [s.expected.missingRight, s.expected.missingLeft, s.expected.late, s.expected.duplicate])
      expect(n).toBeGreaterThan(0);
  });

  it('ends with a clean tail of 2 windows + 60 s, so the watermarks pass every deadline', () => {
    for (const [s, windowMs] of [
      [big, 30_000],
      [orderScenario({ orders: 20_000, seed: 2, startMs: START, spacingMs: 10, windowMs: 3000 }), 3000],
    ] as const) {
      const last = Math.max(s.left.at(-1)!.timestamp, s.right.at(-1)!.timestamp);
      const tailStart = last - cleanTailMs(windowMs);
      const faulty = faultyKeys(s);
      const inTail = [...s.left, ...s.right].filter((e) => e.timestamp >= tailStart);
      expect(inTail.length).toBeGreaterThan(0);
      expect(inTail.filter((e) => faulty.has(e.key.toLowerCase()))).toEqual([]);
    }
  });

  it.each([
    [
      'interleaved by event time',
      (s: OrderScenario) =>
        [...tagged(s, 'left'), ...tagged(s, 'right')].sort((a, b) => a.e.timestamp - b.e.timestamp),
    ],
    ['old service first', (s: OrderScenario) => [...tagged(s, 'left'), ...tagged(s, 'right')]],
  ])('leaves nothing pending and only the faulty keys missing or corrected: %s', (_, order) => {
    const { missing, corrected, pending } = windowRule(order(big), 30_000);
    expect(pending).toEqual([]);
    expect([...missing].sort()).toEqual([...big.faults.missing, ...big.faults.extra].sort());
    expect([...corrected].sort()).toEqual(big.faults.late);
  });

  it('delays the new service within the window except for the late orders', () => {
    const firstRight = new Map<string, number>();
    for (const e of big.right) if (!firstRight.has(e.key)) firstRight.set(e.key, e.timestamp);
    const gaps = new Map<string, number>();
    for (const e of big.left) {
      const r = firstRight.get(e.key.toUpperCase());
      if (e.value.version === 1 && r !== undefined && !gaps.has(e.key)) gaps.set(e.key, r - e.timestamp);
    }
    const late = new Set(big.faults.late);
    const outside = [...gaps].filter(([key, gap]) =>
      late.has(key) ? gap < 45_000 || gap > 90_000 : gap < 0 || gap > 25_000,
    );
    expect(outside).toEqual([]);
    expect(big.faults.slow.filter((key) => gaps.get(key)! < 5000)).toEqual([]);
  });

  it('writes the two services the way the pipeline normalises them', () => {
    const left = big.left.find((e) => e.key === 'o-000123')!;
    const right = big.right.find((e) => e.key === 'O-000123')!;
    expect(left.value.order_id).toBe('o-000123');
    expect(right.value.id).toBe('O-000123');
    expect(left.value.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(right.value.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((right.value.created_at as string).slice(0, 19)).toBe(
      (left.value.created_at as string).slice(0, 19),
    );
    expect(right.value.updated_at).not.toBe(left.value.updated_at);
    expect(big.right.every((e) => e.key === e.key.toUpperCase() && e.key === e.value.id)).toBe(true);
    expect(big.left.every((e) => e.key === e.key.toLowerCase() && e.key === e.value.order_id)).toBe(true);
    const extra = big.right.find((e) => e.key.startsWith('O-9'))!;
    expect(big.faults.extra).toContain(extra.key.toLowerCase());
  });

  it('gives a stream too short for a clean tail no faults at all', () => {
    const s = orderScenario({ orders: 1000, startMs: START });
    expect(s.expected).toEqual({
      ...bruteForce(s, 30_000),
      matched: 1000,
      keys: 1000,
      duplicate: 0,
      late: 0,
    });
    expect(faultyKeys(s).size).toBe(0);
  });

  it('rejects options it cannot lay out', () => {
    expect(() => orderScenario({ orders: 0, startMs: START })).toThrow(/orders/);
    expect(() => orderScenario({ orders: 900_000, startMs: START })).toThrow(/orders/);
    expect(() => orderScenario({ orders: 10, startMs: START, windowMs: 500 })).toThrow(/windowMs/);
    expect(() => orderScenario({ orders: 10, startMs: START, spacingMs: 0.5 })).toThrow(/spacingMs/);
  });
});
