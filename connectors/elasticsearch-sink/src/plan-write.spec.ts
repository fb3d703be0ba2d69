import type { SinkRecord } from '@tributary/connect-sdk';
import { backoffMs } from './backoff';
import { elasticsearchSinkConfig } from './config';
import { canonicalJson, documentId } from './document-id';
import { indexPatternOf, renderIndex, unknownPlaceholders } from './index-name';
import { planWrite } from './plan-write';

const config = (c: Record<string, unknown> = {}) =>
  elasticsearchSinkConfig.parse({ node: 'http://es:9200', ...c });

function rec(
  key: unknown,
  value: unknown,
  headers: SinkRecord['headers'] = {},
  topic = 'db.public.orders',
): SinkRecord {
  return { topic, partition: 2, offset: 17, key, value, headers, timestamp: 0 };
}

describe('documentId', () => {
  it.each([
    ['abc', 'abc'],
    [42, '42'],
    [{ id: 42 }, '42'],
    [{ id: 'x-1' }, 'x-1'],
    [{ b: 2, a: 1 }, '{"a":1,"b":2}'],
    [{ id: { nested: true } }, '{"id":{"nested":true}}'],
    [[1, 'a'], '[1,"a"]'],
    [Buffer.from('raw'), 'raw'],
  ])('key %j → id %s', (key, id) => {
    expect(documentId(rec(key, {}), false)).toBe(id);
  });

  it('key.ignore: topic+partition+offset, whatever the key', () => {
    expect(documentId(rec(null, {}), true)).toBe('db.public.orders+2+17');
  });

  it('rejects missing, empty and over-long keys', () => {
    expect(() => documentId(rec(null, {}), false)).toThrow(/no key/);
    expect(() => documentId(rec('', {}), false)).toThrow(/empty/);
    expect(() => documentId(rec('x'.repeat(513), {}), false)).toThrow(/513 bytes/);
  });

  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ z: { b: 1, a: [{ d: 1, c: 2 }] }, y: null })).toBe(
      '{"y":null,"z":{"a":[{"c":2,"d":1}],"b":1}}',
    );
  });
});

describe('index templates', () => {
  it('renders placeholders from the envelope source block and lower-cases the result', () => {
    expect(renderIndex('{{topic}}', rec(1, {}, {}, 'Db.Public.Orders'), null)).toBe('db.public.orders');
    expect(
      renderIndex('cdc-{{ source.schema }}-{{source.table}}', rec(1, {}), {
        schema: 'Sales',
        table: 'Lines',
      }),
    ).toBe('cdc-sales-lines');
  });

  it('falls back to "<prefix>.<schema>.<table>" topics, and rejects records that have neither', () => {
    expect(renderIndex('{{source.table}}', rec(1, null, {}, 'a.b.srv.shop.items'), null)).toBe('items');
    expect(() => renderIndex('{{source.table}}', rec(1, null, {}, 'orders'), null)).toThrow(
      /no Debezium source block/,
    );
  });

  it('names unknown placeholders and derives index patterns', () => {
    expect(unknownPlaceholders('{{topic}}-{{source.db}}-{{x}}')).toEqual(['source.db', 'x']);
    expect(indexPatternOf('CDC-{{source.schema}}{{source.table}}')).toBe('cdc-*');
  });
});

describe('planWrite', () => {
  const envelope = (op: string, after: unknown) => ({
    before: null,
    after,
    op,
    source: { schema: 's', table: 't', lsn: 9 },
  });

  it('unwraps Debezium envelopes: c/u/r index `after` with the LSN as version; d and tombstones delete', () => {
    const lsn = { 'source.lsn': '1234' };
    expect(planWrite(rec({ id: 1 }, envelope('u', { id: 1, a: 2 }), lsn), config())).toMatchObject({
      kind: 'index',
      index: 'db.public.orders',
      id: '1',
      doc: { id: 1, a: 2 },
      version: 1234,
    });
    expect(planWrite(rec({ id: 1 }, envelope('d', null), lsn), config())).toMatchObject({
      kind: 'delete',
      version: 1234,
    });
    expect(planWrite(rec({ id: 1 }, null, lsn), config())).toMatchObject({ kind: 'delete', version: 1234 });
    expect(planWrite(rec(null, envelope('t', null), lsn), config())).toEqual({ ignored: 'truncate' });
  });

  it('unwrap false writes the envelope itself', () => {
    const value = envelope('d', null);
    expect(planWrite(rec({ id: 1 }, value), config({ unwrap: false }))).toMatchObject({
      kind: 'index',
      doc: value,
    });
  });

  it('version.source: auto falls back to the offset, none and upsert do not version', () => {
    expect(planWrite(rec('k', { a: 1 }), config())).toMatchObject({ version: 17 });
    expect(
      planWrite(rec('k', { a: 1 }, { 'source.lsn': '5' }), config({ 'version.source': 'offset' })),
    ).toMatchObject({
      version: 17,
    });
    expect(
      planWrite(rec('k', { a: 1 }, { 'source.lsn': '5' }), config({ 'version.source': 'none' })),
    ).not.toHaveProperty('version');
    expect(
      planWrite(rec('k', { a: 1 }, { 'source.lsn': '5' }), config({ 'write.method': 'upsert' })),
    ).toEqual(expect.not.objectContaining({ version: expect.anything() as unknown }));
  });

  it('key.ignore ignores deletes, which name no document', () => {
    expect(planWrite(rec('k', null), config({ 'key.ignore': true }))).toEqual({
      ignored: 'delete-without-key',
    });
  });

  it('rejects values that are not JSON objects', () => {
    expect(() => planWrite(rec('k', 'text'), config())).toThrow(
      /string, but an Elasticsearch document must be a JSON object/,
    );
    expect(() => planWrite(rec('k', envelope('c', null)), config())).toThrow(/no "after" object/);
  });
});

describe('backoffMs', () => {
  it('doubles from the initial wait up to the cap, with half of it jittered', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a, 100, 1000, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffMs(3, 100, 1000, () => 0)).toBe(200);
  });
});
