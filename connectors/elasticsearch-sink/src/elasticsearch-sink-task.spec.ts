import { RetriableError, type SinkRecord } from '@tributary/connect-sdk';
import { nextOffsets } from '@tributary/connect-sdk/acceptance';
import {
  anyFault,
  failItemsRandomly,
  failRequests,
  failRequestsFor,
  poisonItems,
  startEsFake,
  type EsFake,
} from '@tributary/testing/es-fake';
import type { ElasticsearchSinkTask } from './elasticsearch-sink-task';
import {
  REAL_ES_URL,
  change,
  readIndex,
  record,
  startTarget,
  startTask,
  tombstone,
  unique,
  type EsTarget,
  type Errant,
} from './test-support';

jest.setTimeout(60_000);

/** Short backoffs: the retry paths run in milliseconds. */
const FAST = { 'retry.backoff': '2ms', 'retry.backoff.max': '20ms' };

let target: EsTarget;
const errant: Errant = [];
const running: ElasticsearchSinkTask[] = [];

beforeAll(async () => {
  target = await startTarget();
});
afterAll(async () => {
  await target.close();
});
beforeEach(() => {
  errant.length = 0;
});
afterEach(async () => {
  for (const t of running.splice(0)) await t.stop();
  target.fake?.inject({});
});

async function start(config: Record<string, unknown> = {}, url = target.url): Promise<ElasticsearchSinkTask> {
  const task = await startTask(url, { ...FAST, ...config }, errant);
  running.push(task);
  return task;
}

async function write(task: ElasticsearchSinkTask, records: SinkRecord[]): Promise<void> {
  await task.put(records);
  await task.flush(nextOffsets(records));
}

const docs = (index: string) => readIndex(target.client, index);

describe(`elasticsearch-sink against ${REAL_ES_URL ? 'the cluster at ES_URL' : 'the ES fake'}`, () => {
  it('indexes plain JSON values under the record key, into the topic-named index', async () => {
    const topic = unique('plain');
    const task = await start();
    await write(task, [
      record(topic, 0, 'a', { n: 1 }),
      record(topic, 1, 'b', { n: 2 }),
      record(topic, 2, 'a', { n: 3 }),
    ]);
    expect(await docs(topic)).toEqual(
      new Map([
        ['a', { n: 3 }],
        ['b', { n: 2 }],
      ]),
    );
    expect(errant).toEqual([]);
    expect(task.status()).toMatchObject({ pending: 0, acknowledged: 3, rejected: 0 });
  });

  it('applies Debezium events: c/r index `after`, u replaces it, d deletes, and the tombstone after it is harmless', async () => {
    const topic = `${unique('cdc')}.public.orders`;
    const task = await start();
    await write(task, [
      change(topic, 0, 'r', 1, 100, { total: 5 }),
      change(topic, 1, 'c', 2, 200, { total: 7 }),
      change(topic, 2, 'c', 3, 210, { total: 9 }),
    ]);
    expect(await docs(topic)).toEqual(
      new Map([
        ['1', { id: 1, total: 5 }],
        ['2', { id: 2, total: 7 }],
        ['3', { id: 3, total: 9 }],
      ]),
    );
    await write(task, [
      change(topic, 3, 'u', 1, 300, { total: 6 }),
      change(topic, 4, 'd', 2, 310, { total: 7 }),
      tombstone(topic, 5, 2, 310),
      // A tombstone alone (unwrap may have dropped the delete event upstream) deletes too.
      tombstone(topic, 6, 3, 320),
    ]);
    expect(await docs(topic)).toEqual(new Map([['1', { id: 1, total: 6 }]]));
    expect(errant).toEqual([]);
  });

  it('builds ids from keys: one-field key → its value, multi-field → canonical JSON, key.ignore → topic+partition+offset', async () => {
    const topic = unique('ids');
    const keyed = await start();
    await write(keyed, [
      record(topic, 0, { id: 42 }, { v: 'single' }),
      record(topic, 1, { region: 'eu', id: 7 }, { v: 'composite' }),
      record(topic, 2, { id: 7, region: 'eu' }, { v: 'composite, keys in another order' }),
      record(topic, 3, 99, { v: 'number' }),
    ]);
    expect(await docs(topic)).toEqual(
      new Map([
        ['42', { v: 'single' }],
        ['{"id":7,"region":"eu"}', { v: 'composite, keys in another order' }],
        ['99', { v: 'number' }],
      ]),
    );
    const logTopic = unique('events');
    const appendOnly = await start({ 'key.ignore': true });
    const events = [record(logTopic, 10, 'same', { e: 1 }), record(logTopic, 11, 'same', { e: 2 })];
    await write(appendOnly, events);
    await write(appendOnly, events); // redelivered: the same two documents
    expect(await docs(logTopic)).toEqual(
      new Map([
        [`${logTopic}+0+10`, { e: 1 }],
        [`${logTopic}+0+11`, { e: 2 }],
      ]),
    );
  });

  it('renders the index template from the envelope source block (and the topic for tombstones), lower-cased', async () => {
    const prefix = unique('Shop');
    const topic = `${prefix}.Sales.Orders`;
    const task = await start({ index: 'cdc-{{source.schema}}-{{source.table}}-' + prefix });
    await write(task, [change(topic, 0, 'c', 1, 10, { a: 1 }), change(topic, 1, 'c', 2, 11, { a: 2 })]);
    const index = `cdc-sales-orders-${prefix}`.toLowerCase();
    expect([...(await docs(index)).keys()].sort()).toEqual(['1', '2']);
    await write(task, [tombstone(topic, 2, 1, 12)]);
    expect([...(await docs(index)).keys()]).toEqual(['2']);
    const byTopic = await start({ index: 'mirror-{{topic}}' });
    await write(byTopic, [change(topic, 3, 'c', 3, 13, {})]);
    expect([...(await docs(`mirror-${topic}`.toLowerCase())).keys()]).toEqual(['3']);
  });

  it('external versions: a replay of older records after a restart does not overwrite newer data', async () => {
    const topic = `${unique('replay')}.public.items`;
    const history = [
      change(topic, 0, 'c', 1, 100, { v: 1 }),
      change(topic, 1, 'u', 1, 200, { v: 2 }),
      change(topic, 2, 'u', 1, 300, { v: 3 }),
      change(topic, 3, 'c', 2, 310, { v: 1 }),
      change(topic, 4, 'd', 2, 320, {}),
      tombstone(topic, 5, 2, 320),
    ];
    const first = await start();
    for (const r of history) await write(first, [r]);
    await first.stop();
    // The offset commit was lost: a new task gets everything again, in batches that straddle the old ones.
    const second = await start();
    await write(second, history.slice(0, 2));
    expect((await docs(topic)).get('1')).toEqual({ id: 1, v: 3 });
    await write(second, history.slice(2));
    expect(await docs(topic)).toEqual(new Map([['1', { id: 1, v: 3 }]]));
    expect(errant).toEqual([]);
    expect((second.status() as { stale: number }).stale).toBeGreaterThan(0);
  });

  it('external versions: out-of-order delivery converges to the highest version, across and within flushes', async () => {
    const topic = `${unique('order')}.public.items`;
    const task = await start();
    const v = (offset: number, lsn: number) => change(topic, offset, 'u', 1, lsn, { lsn });
    await write(task, [v(0, 300)]);
    await write(task, [v(1, 100)]);
    await write(task, [v(2, 200)]);
    expect((await docs(topic)).get('1')).toEqual({ id: 1, lsn: 300 });
    await write(task, [v(3, 500), v(4, 400), v(5, 450)]);
    expect((await docs(topic)).get('1')).toEqual({ id: 1, lsn: 500 });
    // A delete at 600, then a late update from before it: the document stays deleted.
    await write(task, [change(topic, 6, 'd', 1, 600, {})]);
    await write(task, [v(7, 550)]);
    expect((await docs(topic)).has('1')).toBe(false);
    expect(errant).toEqual([]);
  });

  it('without an LSN header, versions are Kafka offsets, so a redelivered old record loses', async () => {
    const topic = unique('offsets');
    const task = await start();
    await write(task, [record(topic, 5, 'k', { n: 5 })]);
    await write(task, [record(topic, 3, 'k', { n: 3 })]);
    expect((await docs(topic)).get('k')).toEqual({ n: 5 });
    const unversioned = await start({ 'version.source': 'none' });
    await write(unversioned, [record(topic, 3, 'k', { n: 3 })]);
    expect((await docs(topic)).get('k')).toEqual({ n: 3 });
  });

  it('upsert: partial documents merge into the stored one, several in one flush fold in order, deletes still delete', async () => {
    const topic = unique('upsert');
    const task = await start({ 'write.method': 'upsert', unwrap: false });
    await write(task, [record(topic, 0, 'u1', { name: 'ann', address: { city: 'Oslo' } })]);
    await write(task, [
      record(topic, 1, 'u1', { age: 40 }),
      record(topic, 2, 'u1', { address: { zip: '0150' } }),
      record(topic, 3, 'u2', { name: 'bob' }),
      record(topic, 4, 'u2', null),
      record(topic, 5, 'u2', { name: 'bob again' }),
      record(topic, 6, 'u3', { name: 'cy' }),
      record(topic, 7, 'u3', null),
    ]);
    expect(await docs(topic)).toEqual(
      new Map([
        ['u1', { name: 'ann', address: { city: 'Oslo', zip: '0150' }, age: 40 }],
        ['u2', { name: 'bob again' }],
      ]),
    );
    expect(errant).toEqual([]);
  });

  it('hands records it can never write to the errors policy, once each, and writes the rest', async () => {
    const topic = unique('bad');
    const task = await start({ 'version.source': 'lsn' });
    const records = [
      record(topic, 0, null, { no: 'key' }, { 'source.lsn': '1' }),
      record(topic, 1, 'arr', [1, 2], { 'source.lsn': '2' }),
      record(topic, 2, 'nolsn', { a: 1 }),
      record(topic, 3, 'badlsn', { a: 1 }, { 'source.lsn': '0/16B3748' }),
      record(topic, 4, 'good', { a: 1 }, { 'source.lsn': Buffer.from('5') }),
    ];
    await write(task, records);
    expect(errant.map((e) => [e.record.offset, e.error.message])).toEqual([
      [0, expect.stringMatching(/no key.*key\.ignore/)],
      [1, expect.stringMatching(/array.*JSON object/)],
      [2, expect.stringMatching(/no source\.lsn header/)],
      [3, expect.stringMatching(/not a decimal LSN/)],
    ]);
    expect([...(await docs(topic)).keys()]).toEqual(['good']);
  });

  it('ignores Debezium truncate events and counts them', async () => {
    const topic = `${unique('trunc')}.public.t`;
    const task = await start();
    await write(task, [change(topic, 0, 'c', 1, 10, {}), change(topic, 1, 't', 0, 11, null)]);
    expect([...(await docs(topic)).keys()]).toEqual(['1']);
    expect(task.status()).toMatchObject({ ignored: 1 });
    expect(errant).toEqual([]);
  });

  it('puts index.template at start, with patterns derived from `index`', async () => {
    const name = unique('tpl');
    await start({
      index: `${name}-{{source.table}}`,
      'index.template': { name, mappings: { properties: { total: { type: 'long' } } } },
    });
    const got = await target.client.indices.getIndexTemplate({ name });
    const t = got.index_templates[0]?.index_template;
    expect(t?.index_patterns).toEqual([`${name}-*`]);
    expect(t?.priority).toBe(200);
    expect(t?.template?.mappings).toMatchObject({ properties: { total: { type: 'long' } } });
  });
});

// Fault injection needs the fake: against a real cluster these cases are not registered at all.
if (!REAL_ES_URL) {
  describe('elasticsearch-sink under injected faults (ES fake)', () => {
    const fake = (): EsFake => target.fake as EsFake;

    it('10% item 429s plus a period of 503s: every document ends correct and nothing reaches the errors policy', async () => {
      const topic = `${unique('storm')}.public.accounts`;
      const records: SinkRecord[] = [];
      const expected = new Map<string, Record<string, unknown>>();
      let offset = 0;
      // 300 accounts, each updated a few times; every 7th is deleted at the end.
      for (let round = 0; round < 3; round++) {
        for (let id = 0; id < 300; id++) {
          const lsn = 1000 + offset;
          records.push(
            change(topic, offset++, round === 0 ? 'c' : 'u', id, lsn, { balance: round * 10 + id }),
          );
          expected.set(String(id), { id, balance: round * 10 + id });
        }
      }
      for (let id = 0; id < 300; id += 7) {
        records.push(change(topic, offset, 'd', id, 1000 + offset, {}));
        offset++;
        records.push(tombstone(topic, offset, id, 1000 + offset - 1));
        offset++;
        expected.delete(String(id));
      }
      fake().inject({
        itemStatus: failItemsRandomly(0.1, { seed: 42 }),
        requestStatus: failRequestsFor(150),
      });
      const task = await start({ 'batch.size': 100, 'retry.max': 50 });
      // Delivered in framework-sized batches, each flushed before the next.
      for (let i = 0; i < records.length; i += 250) await write(task, records.slice(i, i + 250));
      fake().inject({});
      expect(await docs(topic)).toEqual(expected);
      expect(errant).toEqual([]);
      const bulk = fake().requests.filter((r) => r.path.endsWith('/_bulk'));
      expect(bulk.some((r) => r.status === 503)).toBe(true);
      expect(task.status()).toMatchObject({ pending: 0, rejected: 0 });
      expect((task.status() as { retries: number }).retries).toBeGreaterThan(30);
    });

    it('a poison document reaches the errors policy exactly once (with the ES error), the others are written', async () => {
      const topic = `${unique('poison')}.public.docs`;
      fake().inject({
        itemStatus: anyFault(
          poisonItems((a) => a.source?.['bad'] === true),
          failItemsRandomly(0.2, { seed: 3 }),
        ),
      });
      const task = await start();
      const records = [
        change(topic, 0, 'c', 1, 10, { n: 1 }),
        change(topic, 1, 'c', 2, 11, { n: 1 }),
        // Document 2 gets a good update, then a poison one, then another good one, all in one flush:
        // folded into one write first, then split so that only the poison record is rejected.
        change(topic, 2, 'u', 2, 12, { n: 2 }),
        change(topic, 3, 'u', 2, 13, { n: 3, bad: true }),
        change(topic, 4, 'c', 3, 14, { n: 1, bad: true }),
        change(topic, 5, 'c', 4, 15, { n: 1 }),
      ];
      await write(task, records);
      expect(errant.map((e) => e.record.offset).sort()).toEqual([3, 4]);
      expect(errant[0]?.error.message).toMatch(/400 mapper_parsing_exception: failed to parse/);
      expect(errant[0]?.error.name).toBe('ElasticsearchItemError');
      expect(await docs(topic)).toEqual(
        new Map([
          ['1', { id: 1, n: 1 }],
          ['2', { id: 2, n: 2 }],
          ['4', { id: 4, n: 1 }],
        ]),
      );
      // Flushing again (nothing new) reports nothing more.
      await task.flush(nextOffsets(records));
      expect(errant).toHaveLength(2);
    });

    it('after retry.max failed attempts the flush throws RetriableError; the framework retry of flush finishes the job', async () => {
      const topic = unique('down');
      fake().inject({ requestStatus: () => 503 });
      const task = await start({ 'retry.max': 3 });
      const records = [record(topic, 0, 'a', { n: 1 }), record(topic, 1, 'b', { n: 2 })];
      await task.put(records);
      await expect(task.flush(nextOffsets(records))).rejects.toBeInstanceOf(RetriableError);
      expect(task.status()).toMatchObject({ pending: 2 });
      fake().inject({});
      await task.flush(nextOffsets(records));
      expect((await docs(topic)).size).toBe(2);
      expect(errant).toEqual([]);
    });

    it('a flush interrupted by stop fails instead of returning as if ES had everything', async () => {
      fake().inject({ requestStatus: () => 503 });
      const task = await start({ 'retry.backoff': '30ms', 'retry.backoff.max': '30ms', 'retry.max': 100 });
      const records = [record(unique('stop'), 0, 'a', { n: 1 })];
      await task.put(records);
      // The expectation is attached before stop: the flush may reject while stop is still running, and a
      // rejection nobody handles yet fails the run on its own.
      const failed = expect(task.flush(nextOffsets(records))).rejects.toThrow(/stopped with writes pending/);
      await new Promise((r) => setTimeout(r, 50));
      await task.stop();
      await failed;
    });

    it('retries dropped connections', async () => {
      const topic = unique('drops');
      fake().inject({ requestStatus: failRequests(3, { status: 0 }) });
      const task = await start();
      await write(task, [record(topic, 0, 'a', { n: 1 })]);
      expect((await docs(topic)).get('a')).toEqual({ n: 1 });
      expect(fake().requests.filter((r) => r.status === 0)).toHaveLength(3);
    });

    it('bisects a bulk ES refuses as a whole (400) down to the record that causes it', async () => {
      const topic = unique('whole');
      fake().inject({
        requestStatus: (req) => (req.path.endsWith('/_bulk') && req.body.includes('"evil"') ? 400 : null),
      });
      const task = await start();
      const records = Array.from({ length: 20 }, (_, i) =>
        record(topic, i, `k${i}`, i === 13 ? { evil: 1 } : { n: i }),
      );
      await write(task, records);
      expect(errant.map((e) => e.record.offset)).toEqual([13]);
      expect(errant[0]?.error.message).toMatch(/400/);
      expect((await docs(topic)).size).toBe(19);
    });

    it('keeps per-document order when a retry of an older write comes back after newer ones were queued', async () => {
      const topic = unique('order-retry');
      // Three unversioned upserts of one document fold into one write; the poison among them splits it back into
      // three, and the first of those is refused once with 429. Sent out of order, v1 would land last.
      let refused = false;
      const mark = fake().requests.length;
      fake().inject({
        itemStatus: (a) => {
          if (a.source?.['bad'] === true) return 400;
          if (a.source?.['v'] === 1 && !refused) {
            refused = true;
            return 429;
          }
          return null;
        },
      });
      const task = await start({ 'write.method': 'upsert', unwrap: false });
      const records = [
        record(topic, 0, 'x', { v: 1 }),
        record(topic, 1, 'x', { v: 2, bad: true }),
        record(topic, 2, 'x', { v: 3 }),
      ];
      await write(task, records);
      expect(refused).toBe(true);
      expect(errant.map((e) => e.record.offset)).toEqual([1]);
      expect((await docs(topic)).get('x')).toEqual({ v: 3 });
      const bodies = fake()
        .requests.slice(mark)
        .filter((r) => r.path.endsWith('/_bulk'))
        .map((r) => r.body.split('\n')[1]);
      expect(bodies).toEqual([
        '{"doc":{"v":3,"bad":true},"doc_as_upsert":true}',
        '{"doc":{"v":1},"doc_as_upsert":true}',
        '{"doc":{"v":1},"doc_as_upsert":true}',
        '{"doc":{"v":2,"bad":true},"doc_as_upsert":true}',
        '{"doc":{"v":3},"doc_as_upsert":true}',
      ]);
    });

    it('sends basic-auth and API-key credentials; refused credentials fail the flush for good', async () => {
      const basic = await startEsFake({ auth: { username: 'writer', password: 'pw' } });
      const keyed = await startEsFake({ auth: { apiKey: 'aWQ6a2V5' } });
      try {
        const t1 = await start({ auth: { username: 'writer', password: 'pw' } }, basic.url);
        await write(t1, [record('auth', 0, 'a', { n: 1 })]);
        expect(basic.docs('auth').get('a')).toEqual({ n: 1 });
        expect(basic.requests.at(-1)?.headers['authorization']).toBe(
          `Basic ${Buffer.from('writer:pw').toString('base64')}`,
        );

        const t2 = await start({ auth: { 'api.key': 'aWQ6a2V5' } }, keyed.url);
        await write(t2, [record('auth', 0, 'a', { n: 1 })]);
        expect(keyed.requests.at(-1)?.headers['authorization']).toBe('ApiKey aWQ6a2V5');

        const wrong = await start({ auth: { username: 'writer', password: 'nope' } }, basic.url);
        await wrong.put([record('auth', 1, 'b', { n: 2 })]);
        const err = await wrong.flush(nextOffsets([record('auth', 1, 'b', {})])).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect(err).not.toBeInstanceOf(RetriableError);
        expect((err as Error).message).toMatch(/401 security_exception.*auth/);
      } finally {
        for (const t of running.splice(0)) await t.stop();
        await basic.close();
        await keyed.close();
      }
    });
  });
}
