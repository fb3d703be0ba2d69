import type { OutputRecord, SinkRecord } from '@tributary/connect-sdk';
import { reconcileConfig } from './config';
import { Reconciler } from './reconciler';
import type { ReportRecord } from './report-types';

const T0 = Date.UTC(2026, 10, 23, 10);
const S = 1000;

function engine(extra: Record<string, unknown> = {}, partitions = 1): Reconciler {
  const config = reconcileConfig.parse({
    left: { topic: 'ORDER', key: 'order_id', version: 'version' },
    right: { topic: 'ORDERNEW', key: 'id', version: 'version' },
    window: '30s',
    idle: '1h',
    keys: { lowercase: true },
    fields: {
      map: { total_cents: 'amount' },
      ignore: ['updated_at'],
      tolerance: { amount: 0 },
      truncate: { created_at: '1s' },
    },
    ...extra,
  });
  const e = new Reconciler('recon', config, 'recon.report', 'recon.state', 0);
  e.setPartitions('left', partitions);
  e.setPartitions('right', partitions);
  return e;
}

/** A feed per topic partition with increasing offsets, as the framework delivers them. */
class Feed {
  private readonly next = new Map<string, number>();
  constructor(private readonly e: Reconciler) {}

  left(id: string, t: number, fields: Record<string, unknown> = {}, partition = 0): boolean {
    return this.send('ORDER', partition, t, { order_id: id, total_cents: 1999, version: 1, ...fields });
  }

  right(id: string, t: number, fields: Record<string, unknown> = {}, partition = 0): boolean {
    return this.send('ORDERNEW', partition, t, { id: id.toUpperCase(), amount: 1999, version: 1, ...fields });
  }

  record(topic: string, partition: number, t: number, value: unknown): SinkRecord {
    const k = `${topic}/${partition}`;
    const offset = this.next.get(k) ?? 0;
    this.next.set(k, offset + 1);
    return { topic, partition, offset, key: null, value, headers: {}, timestamp: t };
  }

  private send(topic: string, partition: number, t: number, value: Record<string, unknown>): boolean {
    const r = this.record(topic, partition, t, value);
    return this.e.apply(topic === 'ORDER' ? 'left' : 'right', r, 0);
  }
}

function reports(out: OutputRecord[]): ReportRecord[] {
  return out.filter((o) => o.topic === 'recon.report').map((o) => o.value as ReportRecord);
}

describe('Reconciler', () => {
  it('matches equal sides at once, after renames, ignored fields, truncation and key case', () => {
    const e = engine();
    const f = new Feed(e);
    f.left('o-1', T0, { created_at: '2026-11-23T10:00:01Z', updated_at: 'a' });
    f.right('o-1', T0 + 2 * S, { created_at: '2026-11-23T10:00:01.237Z', updated_at: 'b' });
    expect(e.details(0).totals).toMatchObject({ matched: 1, pending: 0, keys: 1 });
    expect(reports(e.drain())).toMatchObject([{ key: 'o-1', category: 'matched', late: false, revision: 1 }]);
  });

  it('waits for the counterpart inside the window, then reports missing-right by the right watermark', () => {
    const e = engine();
    const f = new Feed(e);
    f.left('o-1', T0);
    f.right('o-2', T0 + 29 * S);
    f.left('o-2', T0 + 29 * S);
    expect(e.details(0).totals).toMatchObject({ pending: 1, matched: 1 });
    // Left moving on does not decide a key waiting for the right side.
    f.left('o-3', T0 + 100 * S);
    expect(e.details(0).totals.pending).toBe(2);
    f.right('o-4', T0 + 31 * S);
    // o-4 is past the left watermark (T0+100s) already: missing-left at once; o-3 still waits.
    expect(e.details(0).totals).toMatchObject({ missingRight: 1, missingLeft: 1, pending: 1 });
    const r = reports(e.drain()).find((x) => x.key === 'o-1');
    expect(r).toMatchObject({ category: 'missing-right', at: new Date(T0 + 30 * S).toISOString() });
  });

  it('corrects a missing key when its counterpart arrives late, and marks it late', () => {
    const e = engine();
    const f = new Feed(e);
    f.left('o-1', T0);
    f.right('o-9', T0 + 40 * S);
    f.left('o-9', T0 + 40 * S);
    f.right('o-1', T0 + 45 * S);
    expect(e.details(0).totals).toMatchObject({ matched: 2, missingRight: 0, late: 1 });
    const r = reports(e.drain()).filter((x) => x.key === 'o-1');
    expect(r.map((x) => [x.category, x.late, x.previous])).toEqual([
      ['missing-right', false, undefined],
      ['matched', true, 'missing-right'],
    ]);
  });

  it('reports the same missing-then-corrected story when the late side is read first', () => {
    const e = engine();
    const f = new Feed(e);
    f.right('o-1', T0 + 45 * S);
    f.left('o-1', T0);
    expect(e.details(0).totals).toMatchObject({ matched: 1, late: 1, missingRight: 0 });
    expect(reports(e.drain()).map((x) => [x.category, x.late])).toEqual([
      ['missing-right', false],
      ['matched', true],
    ]);
  });

  it('does not call a counterpart within the window late, in either read order', () => {
    const e = engine();
    const f = new Feed(e);
    f.right('o-1', T0 + 25 * S);
    f.left('o-1', T0);
    f.left('o-2', T0 + 100 * S);
    f.right('o-2', T0 + 100 * S);
    expect(e.details(0).totals).toMatchObject({ matched: 2, late: 0, missingRight: 0, missingLeft: 0 });
  });

  it('reports a field-mismatch at once when both sides hold the same version', () => {
    const e = engine();
    const f = new Feed(e);
    f.left('o-1', T0, { customer: { email: 'a@x' } });
    f.right('o-1', T0 + S, { amount: 2000 });
    const d = e.details(0);
    expect(d.totals.fieldMismatch).toBe(1);
    expect(d.topFields).toEqual([
      { field: 'amount', count: 1 },
      { field: 'customer.email', count: 1 },
    ]);
    expect(reports(e.drain())[0]!.diff).toEqual([
      { field: 'amount', left: 1999, right: 2000 },
      { field: 'customer.email', left: 'a@x' },
    ]);
  });

  it('lets differing versions converge inside the window; a side that never catches up is a mismatch', () => {
    const e = engine();
    const f = new Feed(e);
    f.left('o-1', T0);
    f.right('o-1', T0);
    f.left('o-2', T0);
    f.right('o-2', T0);
    f.left('o-1', T0 + 10 * S, { version: 2, status: 'paid' });
    f.left('o-2', T0 + 10 * S, { version: 2, status: 'paid' });
    expect(e.details(0).totals).toMatchObject({ pending: 2, matched: 0 });
    f.right('o-1', T0 + 12 * S, { version: 2, status: 'paid' });
    f.left('o-3', T0 + 41 * S);
    f.right('o-3', T0 + 41 * S);
    expect(e.details(0).totals).toMatchObject({ matched: 2, fieldMismatch: 1, pending: 0 });
    const r = reports(e.drain());
    // o-1 was reported matched once: converging again is no new result.
    expect(r.filter((x) => x.key === 'o-1').map((x) => x.category)).toEqual(['matched']);
    expect(r.filter((x) => x.key === 'o-2').map((x) => x.category)).toEqual(['matched', 'field-mismatch']);
  });

  it('counts repeats of a held version as duplicates and older versions as stale, without changing results', () => {
    const e = engine();
    const f = new Feed(e);
    f.left('o-1', T0);
    f.left('o-1', T0 + S);
    f.right('o-1', T0 + S);
    f.right('o-1', T0 + 2 * S, { version: 2 });
    f.left('o-1', T0 + 3 * S, { version: 2 });
    f.right('o-1', T0 + 4 * S);
    const t = e.details(0).totals;
    expect(t).toMatchObject({ matched: 1, duplicate: 1, stale: 1, keys: 1 });
    expect(reports(e.drain()).map((x) => [x.category, x.side])).toEqual([
      ['duplicate', 'left'],
      ['matched', undefined],
    ]);
  });

  it('ignores a redelivered record it already applied', () => {
    const e = engine();
    const f = new Feed(e);
    const r = f.record('ORDER', 0, T0, { order_id: 'o-1', total_cents: 1, version: 1 });
    expect(e.apply('left', r, 0)).toBe(true);
    expect(e.apply('left', r, 0)).toBe(false);
    expect(e.details(0).totals).toMatchObject({ duplicate: 0, keys: 1, pending: 1 });
  });

  it('holds the watermark at the slowest partition', () => {
    const e = engine({}, 2);
    const f = new Feed(e);
    f.left('o-1', T0);
    f.right('o-5', T0 + 60 * S, {}, 0);
    expect(e.details(0).totals.missingRight).toBe(0);
    f.right('o-6', T0 + 10 * S, {}, 1);
    expect(e.details(0).totals.missingRight).toBe(0);
    f.right('o-7', T0 + 31 * S, {}, 1);
    expect(e.details(0).totals.missingRight).toBe(1);
  });

  it('lets an idle partition stop holding the watermark back', () => {
    const config = reconcileConfig.parse({
      left: { topic: 'L', key: 'id' },
      right: { topic: 'R', key: 'id' },
      idle: '5s',
    });
    const e = new Reconciler('recon', config, 'rep', 'st', 0);
    e.setPartitions('left', 1);
    e.setPartitions('right', 2);
    const rec = (topic: string, partition: number, t: number, id: string): SinkRecord => ({
      topic,
      partition,
      offset: t,
      key: null,
      value: { id },
      headers: {},
      timestamp: t,
    });
    e.apply('left', rec('L', 0, T0, 'a'), 0);
    e.apply('right', rec('R', 0, T0 + 60 * S, 'b'), 1000);
    expect(e.details(0).totals.missingRight).toBe(0);
    e.advance(6000);
    expect(e.details(0).totals.missingRight).toBe(1);
  });

  it('restores the same totals, results and replay guard from its drained state', () => {
    const e = engine();
    const f = new Feed(e);
    f.left('o-1', T0);
    f.right('o-1', T0 + S, { amount: 1 });
    f.left('o-2', T0);
    f.left('o-2', T0);
    f.right('o-3', T0 + 5 * S);
    const out = e.drain();
    const again = engine();
    let offset = 0;
    for (const o of out) {
      if (o.topic === 'recon.state')
        again.restore({ partition: 0, offset: offset++, key: o.key, value: o.value });
    }
    again.restored();
    expect(again.details(0).totals).toEqual(e.details(0).totals);
    const replay = new Feed(again);
    expect(replay.left('o-1', T0)).toBe(false);
    // The restored pending keys still expire.
    replay.right('o-9', T0 + 10 * S);
    replay.right('o-9', T0 + 40 * S);
    replay.left('o-8', T0 + 40 * S);
    expect(again.details(0).totals).toMatchObject({ missingRight: 1, missingLeft: 1 });
  });

  it('reads template keys and event-time fields, and rejects records without them', () => {
    const config = reconcileConfig.parse({
      left: { topic: 'L', key: '{{region}}-{{id}}', timestamp: 'at' },
      right: { topic: 'R', key: 'ref', timestamp: 'at' },
      fields: { ignore: ['at'] },
    });
    const e = new Reconciler('recon', config, 'rep', 'st', 0);
    e.setPartitions('left', 1);
    e.setPartitions('right', 1);
    const rec = (topic: string, offset: number, value: unknown): SinkRecord => ({
      topic,
      partition: 0,
      offset,
      key: null,
      value,
      headers: {},
      timestamp: 0,
    });
    e.apply('left', rec('L', 0, { region: 'eu', id: 7, at: '2026-11-23T10:00:00Z' }), 0);
    e.apply('right', rec('R', 0, { ref: 'eu-7', at: T0 + 1000 }), 0);
    expect(e.details(0).totals.matched).toBe(1);
    expect(() => e.apply('left', rec('L', 1, { id: 8, at: T0 }), 0)).toThrow(
      /no business key at "\{\{region\}\}-\{\{id\}\}"/,
    );
    expect(() => e.apply('left', rec('L', 2, { region: 'eu', id: 8, at: 'soon' }), 0)).toThrow(
      /no event time at "at"/,
    );
    expect(() => e.apply('left', rec('L', 3, 'text'), 0)).toThrow(/not a JSON object/);
  });
});
