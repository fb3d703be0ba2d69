import { Client, errors } from '@elastic/elasticsearch';
import { startEsFake, type EsFake } from './es-fake';
import { failItemsRandomly, failRequests, poisonItems } from './faults';

type Item = { status: number; result?: string; error?: { type: string; reason: string }; _version?: number };

/** The single entry of each bulk response item, whatever its operation. */
function items(res: { items: Array<Partial<Record<string, unknown>>> }): Item[] {
  return res.items.map((i) => Object.values(i)[0] as Item);
}

describe('ES fake, through the official client', () => {
  let fake: EsFake;
  let client: Client;
  beforeAll(async () => {
    fake = await startEsFake();
    client = new Client({ node: fake.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });
  afterEach(() => fake.reset());

  it('answers info, ping and index lifecycle calls with the product header the client checks', async () => {
    const info = await client.info();
    expect(info.version.number).toMatch(/^8\./);
    expect(await client.ping()).toBe(true);
    expect(await client.indices.exists({ index: 'orders' })).toBe(false);
    await client.indices.create({ index: 'orders' });
    expect(await client.indices.exists({ index: 'orders' })).toBe(true);
    await expect(client.indices.create({ index: 'orders' })).rejects.toThrow(
      /resource_already_exists_exception/,
    );
    await client.indices.delete({ index: 'orders' });
    expect(await client.indices.exists({ index: 'orders' })).toBe(false);
    expect(fake.requests.every((r) => r.status > 0)).toBe(true);
  });

  it('indexes, updates with doc_as_upsert, deletes, and serves get, count, search by ids and refresh', async () => {
    const res = await client.bulk({
      operations: [
        { index: { _index: 'orders', _id: '1' } },
        { id: 1, total: 10, nested: { a: 1 } },
        { index: { _index: 'orders', _id: '2' } },
        { id: 2 },
        { update: { _index: 'orders', _id: '1' } },
        { doc: { total: 12, nested: { b: 2 } } },
        { update: { _index: 'orders', _id: '3' } },
        { doc: { id: 3 }, doc_as_upsert: true },
        { update: { _index: 'orders', _id: '4' } },
        { doc: { id: 4 } },
        { delete: { _index: 'orders', _id: '2' } },
        { delete: { _index: 'orders', _id: 'never' } },
      ],
    });
    expect(res.errors).toBe(true);
    expect(items(res).map((i) => [i.status, i.result ?? i.error?.type])).toEqual([
      [201, 'created'],
      [201, 'created'],
      [200, 'updated'],
      [201, 'created'],
      [404, 'document_missing_exception'],
      [200, 'deleted'],
      [404, 'not_found'],
    ]);
    await client.indices.refresh({ index: 'orders' });
    const got = await client.get({ index: 'orders', id: '1' });
    expect(got._source).toEqual({ id: 1, total: 12, nested: { a: 1, b: 2 } });
    expect(got._version).toBe(2);
    await expect(client.get({ index: 'orders', id: '2' })).rejects.toBeInstanceOf(errors.ResponseError);
    expect((await client.count({ index: 'orders' })).count).toBe(2);
    const search = await client.search({ index: 'orders', query: { ids: { values: ['3', '9'] } } });
    expect(search.hits.hits.map((h) => h._id)).toEqual(['3']);
    const all = await client.search({ index: 'orders', query: { match_all: {} }, size: 100 });
    expect(all.hits.hits.map((h) => h._id)).toEqual(['1', '3']);
    expect([...fake.docs('orders').keys()]).toEqual(['1', '3']);
    expect(fake.count('orders')).toBe(2);
  });

  it('external versions: an older or equal version conflicts (409), external_gte accepts equal', async () => {
    const write = (version: number, v: string, versionType: 'external' | 'external_gte' = 'external') =>
      client.bulk({
        operations: [{ index: { _index: 'v', _id: 'a', version, version_type: versionType } }, { v }],
      });
    expect(items(await write(5, 'five'))[0]?.status).toBe(201);
    const stale = items(await write(3, 'three'))[0];
    expect(stale?.status).toBe(409);
    expect(stale?.error?.type).toBe('version_conflict_engine_exception');
    expect(items(await write(5, 'five again'))[0]?.status).toBe(409);
    expect(items(await write(5, 'five gte', 'external_gte'))[0]?.status).toBe(200);
    expect(items(await write(7, 'seven'))[0]?.status).toBe(200);
    expect(fake.docs('v').get('a')).toEqual({ v: 'seven' });
    expect(fake.version('v', 'a')).toBe(7);
  });

  it('a delete with an external version leaves a tombstone a late older write cannot get past', async () => {
    const op = (meta: Record<string, unknown>, doc?: unknown) =>
      client.bulk({ operations: doc === undefined ? [meta] : [meta, doc] });
    await op({ index: { _index: 't', _id: 'x', version: 10, version_type: 'external' } }, { n: 10 });
    expect(
      items(await op({ delete: { _index: 't', _id: 'x', version: 20, version_type: 'external' } }))[0],
    ).toMatchObject({
      status: 200,
      result: 'deleted',
    });
    // The same delete again (the tombstone after a Debezium delete carries the same LSN): a conflict.
    expect(
      items(await op({ delete: { _index: 't', _id: 'x', version: 20, version_type: 'external' } }))[0]
        ?.status,
    ).toBe(409);
    expect(
      items(
        await op({ index: { _index: 't', _id: 'x', version: 15, version_type: 'external' } }, { n: 15 }),
      )[0]?.status,
    ).toBe(409);
    expect(fake.docs('t').has('x')).toBe(false);
    // A delete of a document never seen still records its version.
    expect(
      items(await op({ delete: { _index: 't', _id: 'y', version: 30, version_type: 'external' } }))[0],
    ).toMatchObject({
      status: 404,
      result: 'not_found',
    });
    expect(
      items(
        await op({ index: { _index: 't', _id: 'y', version: 29, version_type: 'external' } }, { n: 29 }),
      )[0]?.status,
    ).toBe(409);
    expect(
      items(
        await op({ index: { _index: 't', _id: 'y', version: 31, version_type: 'external' } }, { n: 31 }),
      )[0]?.status,
    ).toBe(201);
  });

  it('rejects what ES validates before executing (update with external versions, empty id) with a 400 for the whole request', async () => {
    await expect(
      client.bulk({
        operations: [
          { update: { _index: 'x', _id: 'a', version: 1, version_type: 'external' } },
          { doc: { a: 1 } },
        ],
      }),
    ).rejects.toThrow(/action_request_validation_exception.*not supported by the update API/);
    await expect(
      client.bulk({ operations: [{ index: { _index: 'x', _id: '' } }, { a: 1 }] }),
    ).rejects.toThrow(/must not be empty/);
    expect(fake.count('x')).toBe(0);
  });

  it('stores index templates and applies the highest-priority match to new indices', async () => {
    await client.indices.putIndexTemplate({
      name: 'cdc',
      index_patterns: ['cdc-*'],
      priority: 10,
      template: { mappings: { properties: { id: { type: 'long' } } } },
    });
    expect(fake.templates().get('cdc')?.index_patterns).toEqual(['cdc-*']);
    await client.bulk({ operations: [{ index: { _index: 'cdc-orders', _id: '1' } }, { id: 1 }] });
    const got = await client.indices.get({ index: 'cdc-orders' });
    expect(got['cdc-orders']?.mappings).toEqual({ properties: { id: { type: 'long' } } });
  });

  it('injects seeded per-item 429s, poison 400s and whole-request 503s', async () => {
    const ops = Array.from({ length: 200 }, (_, i) => [
      { index: { _index: 'f', _id: String(i) } },
      { i },
    ]).flat();
    fake.inject({ itemStatus: failItemsRandomly(0.1, { seed: 7 }) });
    const res = await client.bulk({ operations: ops });
    const rejected = items(res).filter((i) => i.status === 429);
    expect(rejected.length).toBeGreaterThan(5);
    expect(rejected.length).toBeLessThan(40);
    expect(rejected[0]?.error?.type).toBe('es_rejected_execution_exception');
    expect(fake.count('f')).toBe(200 - rejected.length);

    fake.inject({ itemStatus: poisonItems((a) => a.id === '3') });
    const poisoned = items(await client.bulk({ operations: ops.slice(0, 10) }));
    expect(poisoned.map((i) => i.status < 300)).toEqual([true, true, true, false, true]);
    expect(poisoned[3]?.status).toBe(400);
    expect(poisoned[3]?.error?.type).toBe('mapper_parsing_exception');

    fake.inject({ requestStatus: failRequests(2) });
    await expect(client.bulk({ operations: ops.slice(0, 2) })).rejects.toMatchObject({
      meta: { statusCode: 503 },
    });
    await expect(client.bulk({ operations: ops.slice(0, 2) })).rejects.toMatchObject({
      meta: { statusCode: 503 },
    });
    expect((await client.bulk({ operations: ops.slice(0, 2) })).errors).toBe(false);
    // Info requests are not bulk requests: failRequests leaves them alone.
    fake.inject({ requestStatus: failRequests(5) });
    await expect(client.info()).resolves.toBeDefined();
  });

  it('drops the connection for request status 0 (the client sees a connection error)', async () => {
    fake.inject({ requestStatus: () => 0 });
    await expect(
      client.bulk({ operations: [{ index: { _index: 'c', _id: '1' } }, { a: 1 }] }),
    ).rejects.toBeInstanceOf(errors.ConnectionError);
    fake.inject({});
    expect((await client.bulk({ operations: [{ index: { _index: 'c', _id: '1' } }, { a: 1 }] })).errors).toBe(
      false,
    );
  });
});

describe('ES fake with security on', () => {
  it('answers 401 without the right credentials and serves basic auth and API keys', async () => {
    const basic = await startEsFake({ auth: { username: 'elastic', password: 's3cret' } });
    const keyed = await startEsFake({ auth: { apiKey: 'a2V5OnNlY3JldA==' } });
    const clients = [
      new Client({ node: basic.url, maxRetries: 0 }),
      new Client({ node: basic.url, maxRetries: 0, auth: { username: 'elastic', password: 's3cret' } }),
      new Client({ node: keyed.url, maxRetries: 0, auth: { apiKey: 'a2V5OnNlY3JldA==' } }),
    ];
    try {
      await expect(clients[0]?.info()).rejects.toMatchObject({ meta: { statusCode: 401 } });
      await expect(clients[1]?.info()).resolves.toBeDefined();
      await expect(clients[2]?.info()).resolves.toBeDefined();
      expect(basic.requests[1]?.headers['authorization']).toBe(
        `Basic ${Buffer.from('elastic:s3cret').toString('base64')}`,
      );
      expect(keyed.requests[0]?.headers['authorization']).toBe('ApiKey a2V5OnNlY3JldA==');
    } finally {
      for (const c of clients) await c.close();
      await basic.close();
      await keyed.close();
    }
  });
});
