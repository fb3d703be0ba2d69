import {
  DELETED,
  canonicalJson,
  canonicalKey,
  canonicalRow,
  checkHistory,
  compareState,
  dbState,
  normTimestamp,
  normValue,
  parseLsn,
  reduceTopic,
  rowJsonSql,
  snapshotLsn,
  type CdcEvent,
  type Envelope,
  type HistoryEntry,
  type TableSpec,
} from './cdc-check';

/** The checker on its own, against hand-written topics: no processes. */

const T: TableSpec = {
  name: 'acct',
  columns: [
    { name: 'id', type: 'bigint', ddl: 'bigint' },
    { name: 'name', type: 'text', ddl: 'text' },
    { name: 'bal', type: 'numeric', ddl: 'numeric(10,2)' },
    { name: 'at', type: 'timestamptz', ddl: 'timestamptz' },
    { name: 'meta', type: 'jsonb', ddl: 'jsonb' },
    { name: 'rev', type: 'int', ddl: 'int' },
  ],
  pk: ['id'],
};

type Row = Record<string, unknown>;

const row = (id: string, rev: number, extra: Row = {}): Row => ({
  id,
  name: `n${id}`,
  bal: '1.50',
  at: '2024-01-02T03:04:05.123456Z',
  meta: { a: 1 },
  rev,
  ...extra,
});

/** A topic written by hand: each call appends one record to partition 0 (or `p`). */
class TopicBuilder {
  readonly events: CdcEvent[] = [];
  private readonly next = new Map<number, number>();
  private lsn = 1000;

  private push(key: unknown, value: Envelope | null, p = 0): this {
    const offset = this.next.get(p) ?? 0;
    this.next.set(p, offset + 1);
    this.events.push({ partition: p, offset, key, value });
    return this;
  }

  private env(op: string, before: Row | null, after: Row | null, lsn = this.lsn++): Envelope {
    return {
      before,
      after,
      op,
      source: { lsn, txId: 1, snapshot: op === 'r', schema: 'public', table: T.name },
      ts_ms: 0,
    };
  }

  r(after: Row, lsn?: number): this {
    return this.push({ id: after['id'] }, this.env('r', null, after, lsn));
  }
  c(after: Row, p = 0): this {
    return this.push({ id: after['id'] }, this.env('c', null, after), p);
  }
  u(before: Row | null, after: Row, key: unknown = { id: after['id'] }): this {
    return this.push(key, this.env('u', before, after));
  }
  d(before: Row): this {
    return this.push({ id: before['id'] }, this.env('d', before, null));
  }
  tomb(id: string): this {
    return this.push({ id }, null);
  }
}

/** Builds a per-key history: entries are rows (images) or DELETED, each with lsnBefore. */
function history(spec: Record<string, (Row | typeof DELETED | [Row | typeof DELETED, number])[]>) {
  const out = new Map<string, HistoryEntry[]>();
  let xid = 100;
  for (const [id, entries] of Object.entries(spec)) {
    out.set(
      canonicalKey(T, { id }),
      entries.map((e) => {
        const [img, lsn] = Array.isArray(e) ? e : [e, 5000];
        return {
          image: img === DELETED ? DELETED : canonicalRow(T, img),
          xid: String(xid++),
          lsnBefore: BigInt(lsn),
        };
      }),
    );
  }
  return out;
}

function db(rows: Row[]): Map<string, string> {
  return dbState(
    T,
    rows.map((r) => JSON.stringify(r)),
  );
}

describe('cdc checker: normaliser', () => {
  it('spells every timestamptz form the same, keeping microseconds', () => {
    const want = '2024-01-02T03:04:05.123456Z';
    expect(normTimestamp('2024-01-02T03:04:05.123456Z')).toBe(want);
    expect(normTimestamp('2024-01-02 03:04:05.123456+00')).toBe(want);
    expect(normTimestamp('2024-01-02T08:34:05.123456+05:30')).toBe(want);
    expect(normTimestamp('2024-01-01T19:04:05.123456-0800')).toBe(want);
    expect(normTimestamp('2024-01-02T03:04:05Z')).toBe('2024-01-02T03:04:05.000000Z');
    // A connector that drops the microseconds is different.
    expect(normTimestamp('2024-01-02T03:04:05.123Z')).not.toBe(want);
  });

  it('is strict on types: a bigint or numeric as a JSON number is not its string', () => {
    // what JSON.parse makes of 9007199254740993 sent as a number
    expect(normValue('bigint', 9007199254740992)).not.toEqual(normValue('bigint', '9007199254740993'));
    expect(normValue('bigint', 42)).not.toEqual(normValue('bigint', '42'));
    expect(normValue('numeric', 1.5)).not.toEqual(normValue('numeric', '1.50'));
    expect(normValue('numeric', '1.5')).not.toEqual(normValue('numeric', '1.50'));
    expect(normValue('int', undefined)).toBe('<absent>');
  });

  it('reads jsonb as a parsed value or its text, in any key order', () => {
    expect(canonicalJson(normValue('jsonb', '{"b":[1,{"y":2,"x":1}],"a":null}'))).toBe(
      canonicalJson(normValue('jsonb', { a: null, b: [1, { x: 1, y: 2 }] })),
    );
  });

  it('maps a row and a key the same way on both sides; an extra or a missing column is a difference', () => {
    const envelopeAfter = row('9007199254740993', 1, {
      at: '2024-01-02 03:04:05.123456+00',
      meta: '{"a":1}',
    });
    const dbRow = row('9007199254740993', 1);
    expect(canonicalRow(T, envelopeAfter)).toBe(canonicalRow(T, dbRow));
    expect(canonicalKey(T, { id: '9007199254740993' })).toBe('{"id":"9007199254740993"}');
    expect(canonicalRow(T, { ...dbRow, extra: 1 })).not.toBe(canonicalRow(T, dbRow));
    const noMeta = { ...dbRow };
    delete noMeta['meta'];
    expect(canonicalRow(T, noMeta)).not.toBe(canonicalRow(T, dbRow));
  });

  it('builds the database-side JSON with bigint and numeric as text', () => {
    expect(rowJsonSql(T)).toBe(
      "json_build_object('id', id::text, 'name', name, 'bal', bal::text, 'at', at, 'meta', meta, 'rev', rev)::text",
    );
  });

  it('parses LSNs in the forms Postgres and the envelope use', () => {
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
    expect(parseLsn('0/0')).toBe(0n);
    expect(parseLsn('12345')).toBe(12345n);
    expect(parseLsn(12345)).toBe(12345n);
    expect(parseLsn(null)).toBeNull();
    expect(parseLsn('nope')).toBeNull();
  });
});

describe('cdc checker: reduction and comparison with the table', () => {
  it('keeps the latest after per key; deletes and tombstones remove it; redeliveries change nothing', () => {
    const t = new TopicBuilder()
      .r(row('1', 1))
      .r(row('2', 1))
      .u(row('1', 1), row('1', 2))
      .c(row('3', 3))
      .d(row('2', 1))
      .tomb('2')
      // a replay after a crash: the same events again
      .u(row('1', 1), row('1', 2))
      .d(row('2', 1))
      .tomb('2');
    const { state, anomalies } = reduceTopic(T, t.events);
    expect(anomalies).toEqual([]);
    expect(compareState(state, db([row('1', 2), row('3', 3)]))).toEqual({
      missing: [],
      extra: [],
      different: [],
    });
  });

  it('reports missing, extra and different rows', () => {
    const t = new TopicBuilder().c(row('1', 1)).c(row('2', 1)).u(row('2', 1), row('2', 2));
    const diff = compareState(reduceTopic(T, t.events).state, db([row('1', 1), row('2', 3), row('4', 1)]));
    expect(diff.missing).toEqual(['{"id":"4"}']);
    expect(diff.extra).toEqual([]);
    expect(diff.different).toEqual([
      { key: '{"id":"2"}', topic: canonicalRow(T, row('2', 2)), db: canonicalRow(T, row('2', 3)) },
    ]);
    const diff2 = compareState(reduceTopic(T, t.events).state, db([row('1', 1)]));
    expect(diff2.extra).toEqual(['{"id":"2"}']);
  });

  it('a primary-key change as delete + tombstone + create leaves only the new key', () => {
    const t = new TopicBuilder().c(row('1', 1)).d(row('1', 1)).tomb('1').c(row('9', 2));
    expect(compareState(reduceTopic(T, t.events).state, db([row('9', 2)]))).toEqual({
      missing: [],
      extra: [],
      different: [],
    });
  });

  it('a primary-key change sent as one update under the new key leaves the old key behind (extra)', () => {
    const t = new TopicBuilder().c(row('1', 1)).u(row('1', 1), row('9', 2));
    const diff = compareState(reduceTopic(T, t.events).state, db([row('9', 2)]));
    expect(diff.extra).toEqual(['{"id":"1"}']);
  });

  it('keeps the previous value of a field sent as the TOAST placeholder, as a consumer does', () => {
    const P = '__unavailable';
    const t = new TopicBuilder()
      .c(row('1', 1, { name: 'big' }))
      .u(null, row('1', 2, { name: P }))
      .c(row('2', 1, { name: P }));
    const diff = compareState(
      reduceTopic(T, t.events, { placeholder: P }).state,
      db([row('1', 2, { name: 'big' }), row('2', 1, { name: 'lost' })]),
    );
    // key 2 never had the value: the placeholder stays and differs
    expect(diff.different.map((d) => d.key)).toEqual(['{"id":"2"}']);
    expect(diff.missing).toEqual([]);
    const h = history({ '1': [row('1', 1, { name: 'big' }), row('1', 2, { name: 'big' })] });
    expect(checkHistory(T, t.events.slice(0, 2), h, 0n, { placeholder: P })).toEqual({
      missing: [],
      phantom: [],
      regressed: [],
      required: 2,
    });
  });

  it('flags a delete without a tombstone, a key that disagrees with the row, and a key in two partitions', () => {
    const t = new TopicBuilder()
      .c(row('1', 1))
      .d(row('1', 1))
      .u(null, row('2', 2), { id: '3' })
      .c(row('4', 1), 0)
      .c(row('4', 2), 1);
    const { anomalies } = reduceTopic(T, t.events);
    expect(anomalies).toEqual([
      expect.stringContaining('record key {"id":"3"} but the row\'s key is {"id":"2"}'),
      expect.stringContaining('key {"id":"4"} also appears in partition 0'),
      expect.stringContaining('key {"id":"1"}: the last delete is not followed by a tombstone'),
    ]);
  });
});

describe('cdc checker: no committed change missing', () => {
  it('passes when every change arrives in order, also with redeliveries', () => {
    const t = new TopicBuilder()
      .c(row('1', 1))
      .u(row('1', 1), row('1', 2))
      .u(row('1', 1), row('1', 2))
      .u(row('1', 2), row('1', 3))
      .d(row('1', 3))
      .tomb('1');
    const h = history({ '1': [row('1', 1), row('1', 2), row('1', 3), DELETED] });
    expect(checkHistory(T, t.events, h, 0n)).toEqual({
      missing: [],
      phantom: [],
      regressed: [],
      required: 4,
    });
  });

  it('finds a skipped change although the final state is right', () => {
    const t = new TopicBuilder().c(row('1', 1)).u(row('1', 2), row('1', 3));
    const h = history({ '1': [row('1', 1), row('1', 2), row('1', 3)] });
    const r = checkHistory(T, t.events, h, 0n);
    expect(r.missing).toEqual([{ key: '{"id":"1"}', image: canonicalRow(T, row('1', 2)), xid: '101' }]);
    // ...which the state comparison alone cannot see
    expect(compareState(reduceTopic(T, t.events).state, db([row('1', 3)])).different).toEqual([]);
  });

  it('finds trailing changes and whole keys that never arrived', () => {
    const t = new TopicBuilder().c(row('1', 1));
    const h = history({ '1': [row('1', 1), DELETED], '2': [row('2', 5)] });
    expect(checkHistory(T, t.events, h, 0n).missing.map((m) => [m.key, m.image])).toEqual([
      ['{"id":"1"}', DELETED],
      ['{"id":"2"}', canonicalRow(T, row('2', 5))],
    ]);
  });

  it('reports an event no committed change produced (a rolled-back write) as phantom', () => {
    const t = new TopicBuilder().c(row('1', 1)).u(row('1', 1), row('1', 99));
    const h = history({ '1': [row('1', 1)] });
    expect(checkHistory(T, t.events, h, 0n).phantom).toEqual([
      { key: '{"id":"1"}', at: '0:1', op: 'u', image: canonicalRow(T, row('1', 99)) },
    ]);
  });

  it('requires only the changes committed after the snapshot point', () => {
    const pre = (r: Row | typeof DELETED): [Row | typeof DELETED, number] => [r, 1000];
    const h = history({
      '1': [pre(row('1', 1)), pre(row('1', 2)), row('1', 3), row('1', 4)],
      // inserted and deleted before the snapshot: the topic never shows it, rightly
      '2': [pre(row('2', 1)), pre(DELETED)],
      // inserted and deleted after the snapshot: both must be streamed
      '3': [row('3', 1), DELETED],
    });
    const t = new TopicBuilder().r(row('1', 2), 3000).u(row('1', 2), row('1', 3)).u(row('1', 3), row('1', 4));
    expect(snapshotLsn([t.events])).toBe(3000n);
    const r = checkHistory(T, t.events, h, snapshotLsn([t.events]));
    expect(r.phantom).toEqual([]);
    expect(r.required).toBe(4);
    expect(r.missing.map((m) => [m.key, m.image])).toEqual([
      ['{"id":"3"}', canonicalRow(T, row('3', 1))],
      ['{"id":"3"}', DELETED],
    ]);
    // a change after the snapshot that is skipped is missing even though a later one arrived
    const t2 = new TopicBuilder().r(row('1', 2), 3000).u(row('1', 3), row('1', 4));
    expect(checkHistory(T, t2.events, h, 3000n).missing.map((m) => m.image)).toContain(
      canonicalRow(T, row('1', 3)),
    );
  });

  it('a resumed snapshot that read a newer row does not excuse a change missing from the replayed stream', () => {
    // The snapshot point is 3000; the snapshot resumed after a crash read key 1 at change 3, and streaming then
    // replays from 3000: changes 1..3 must all be in the stream.
    const h = history({ '1': [[row('1', 0), 1000], row('1', 1), row('1', 2), row('1', 3)] });
    const ok = new TopicBuilder()
      .r(row('1', 3), 3000)
      .u(null, row('1', 1))
      .u(null, row('1', 2))
      .u(null, row('1', 3));
    expect(checkHistory(T, ok.events, h, 3000n).missing).toEqual([]);
    const lost = new TopicBuilder().r(row('1', 3), 3000).u(null, row('1', 1)).u(null, row('1', 3));
    expect(checkHistory(T, lost.events, h, 3000n).missing.map((m) => m.image)).toEqual([
      canonicalRow(T, row('1', 2)),
    ]);
  });

  it('reports a change that arrives after a later one of its key as missing (per-key order)', () => {
    const h = history({ '1': [row('1', 1), row('1', 2), row('1', 3)] });
    const t = new TopicBuilder().c(row('1', 1)).u(null, row('1', 3)).u(null, row('1', 2));
    expect(checkHistory(T, t.events, h, 0n).missing.map((m) => m.image)).toEqual([
      canonicalRow(T, row('1', 2)),
    ]);
  });

  it('flags a snapshot image older than a change already delivered', () => {
    const h = history({ '1': [row('1', 1), row('1', 2), row('1', 3)] });
    const t = new TopicBuilder()
      .c(row('1', 1))
      .u(row('1', 1), row('1', 2))
      .u(row('1', 2), row('1', 3))
      .r(row('1', 1));
    expect(checkHistory(T, t.events, h, 0n).regressed).toHaveLength(1);
  });

  it('a primary-key change as one update under the new key misses the delete of the old key', () => {
    const h = history({ '1': [row('1', 1), DELETED], '9': [row('9', 2)] });
    const t = new TopicBuilder().c(row('1', 1)).u(row('1', 1), row('9', 2));
    expect(checkHistory(T, t.events, h, 0n).missing).toEqual([
      { key: '{"id":"1"}', image: DELETED, xid: '101' },
    ]);
  });
});
