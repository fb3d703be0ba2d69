import { RetriableError, validateConfig, type SinkRecord } from '@tributary/connect-sdk';
import { fakeSinkContext, nextOffsets } from '@tributary/connect-sdk/acceptance';
import { startRedis, type RedisHandle } from '@tributary/testing';
import type { Redis } from 'ioredis';
import { redisSink } from './index';
import { RedisSinkTask, lsnHashKey } from './redis-sink-task';

const TOPIC = 'shop.public.orders';
const CONNECTOR = 'redis-test';

/** A Debezium change as postgres-source sends it: key = the PK, header `source.lsn`. */
function change(
  offset: number,
  op: 'c' | 'u' | 'd' | 'r',
  id: number,
  row: Record<string, unknown> | null,
  lsn = 1000 + offset,
): SinkRecord {
  const full = row === null ? null : { id, ...row };
  return {
    topic: TOPIC,
    partition: 0,
    offset,
    key: { id },
    value: {
      before: op === 'd' ? { id } : null,
      after: op === 'd' ? null : full,
      source: { lsn, txId: 7, schema: 'public', table: 'orders', ts_ms: 0, snapshot: 'false' },
      op,
      ts_ms: 0,
    },
    headers: { 'source.lsn': String(lsn) },
    timestamp: 0,
  };
}

function tombstone(offset: number, id: number, lsn?: number): SinkRecord {
  return {
    topic: TOPIC,
    partition: 0,
    offset,
    key: { id },
    value: null,
    headers: lsn === undefined ? {} : { 'source.lsn': String(lsn) },
    timestamp: 0,
  };
}

function plain(offset: number, key: unknown, value: unknown): SinkRecord {
  return { topic: 'plain', partition: 0, offset, key, value, headers: {}, timestamp: 0 };
}

describe('RedisSinkTask (real redis-server)', () => {
  let server: RedisHandle;
  let redis: Redis;
  const errant: Array<{ record: SinkRecord; error: Error }> = [];
  const tasks: RedisSinkTask[] = [];

  beforeAll(async () => {
    server = await startRedis();
    redis = server.client();
  }, 30_000);
  afterAll(async () => {
    await server.dispose();
  });
  beforeEach(async () => {
    errant.length = 0;
    await redis.flushall();
  });
  afterEach(async () => {
    for (const t of tasks.splice(0)) await t.stop();
  });

  const start = async (config: Record<string, unknown>): Promise<RedisSinkTask> => {
    const r = validateConfig(redisSink.config, { url: server.url, ...config });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const task = new RedisSinkTask();
    tasks.push(task);
    await task.start(fakeSinkContext(CONNECTOR, r.value, errant));
    return task;
  };
  const write = async (task: RedisSinkTask, records: SinkRecord[]): Promise<void> => {
    await task.put(records);
    await task.flush(nextOffsets(records));
  };
  const json = async (key: string): Promise<unknown> => {
    const text = await redis.get(key);
    return text === null ? null : (JSON.parse(text) as unknown);
  };

  describe('hash mode', () => {
    it("holds exactly the row's non-null columns, as text", async () => {
      const task = await start({ mode: 'hash' });
      await write(task, [
        change(0, 'c', 1, { name: 'Ann', total: '12.50', qty: 3, paid: true, tags: ['a'], note: 'x' }),
        change(1, 'u', 1, { name: 'Ann', total: '13.00', qty: 4, paid: false, tags: ['a', 'b'], note: null }),
      ]);
      expect(await redis.hgetall(`${TOPIC}:1`)).toEqual({
        id: '1',
        name: 'Ann',
        total: '13.00',
        qty: '4',
        paid: 'false',
        tags: '["a","b"]',
      });
      expect(errant).toEqual([]);
    });

    it('expires keys with ttl', async () => {
      const task = await start({ mode: 'hash', ttl: '1h' });
      await write(task, [change(0, 'c', 1, { name: 'Ann' })]);
      const pttl = await redis.pttl(`${TOPIC}:1`);
      expect(pttl).toBeGreaterThan(3_500_000);
      expect(pttl).toBeLessThanOrEqual(3_600_000);
    });
  });

  describe('json mode', () => {
    it('stores the row as canonical JSON (keys sorted) and expires it with ttl', async () => {
      const task = await start({ mode: 'json', ttl: 60_000 });
      await write(task, [change(0, 'r', 5, { zeta: 1, alpha: { b: 2, a: 1 } })]);
      expect(await redis.get(`${TOPIC}:5`)).toBe('{"alpha":{"a":1,"b":2},"id":5,"zeta":1}');
      const pttl = await redis.pttl(`${TOPIC}:5`);
      expect(pttl).toBeGreaterThan(50_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
    });

    it('writes non-envelope values as they are, and the envelope itself with unwrap off', async () => {
      const task = await start({ mode: 'json' });
      await write(task, [plain(0, 'k0', { b: 1, a: 'x' }), plain(1, 'k1', 'text')]);
      expect(await redis.get('plain:k0')).toBe('{"a":"x","b":1}');
      expect(await json('plain:k1')).toBe('text');

      const raw = await start({ mode: 'json', unwrap: false, key: 'raw:{{key}}' });
      await write(raw, [change(2, 'd', 9, null)]);
      expect(await json('raw:9')).toMatchObject({ op: 'd', before: { id: 9 }, after: null });
    });
  });

  describe('key templates', () => {
    it('renders source, key and value placeholders', async () => {
      const task = await start({ mode: 'json', key: '{{source.schema}}.{{source.table}}:{{key.id}}' });
      await write(task, [change(0, 'c', 3, { email: 'a@b.c' })]);
      expect(await json('public.orders:3')).toEqual({ id: 3, email: 'a@b.c' });

      const byEmail = await start({ mode: 'hash', key: 'by-email:{{value.email}}' });
      await write(byEmail, [change(1, 'c', 4, { email: 'x@y.z' })]);
      expect(await redis.hget('by-email:x@y.z', 'id')).toBe('4');

      const composite = await start({ mode: 'json' });
      await write(composite, [plain(2, { tenant: 't1', id: 8 }, { v: 1 })]);
      expect(await json('plain:{"id":8,"tenant":"t1"}')).toEqual({ v: 1 });
    });

    it('sends a record whose template cannot be rendered to the errors policy', async () => {
      const task = await start({ mode: 'json', key: 'x:{{value.email}}' });
      await write(task, [change(0, 'c', 1, { name: 'no email' }), change(1, 'c', 2, { email: 'e' })]);
      expect(errant.map((e) => [e.record.offset, e.error.message])).toEqual([
        [0, expect.stringMatching(/no value field "email"/)],
      ]);
      expect(await json('x:e')).toEqual({ id: 2, email: 'e' });
    });

    it('rejects an unknown placeholder and a bullmq config without a queue', () => {
      const bad = validateConfig(redisSink.config, { url: server.url, mode: 'json', key: '{{offset}}' });
      expect(bad.ok ? [] : bad.problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/unknown placeholder "\{\{offset\}\}"/),
      ]);
      const noQueue = validateConfig(redisSink.config, { url: server.url, mode: 'bullmq' });
      expect(noQueue.ok ? [] : noQueue.problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/needs a "queue"/),
      ]);
    });
  });

  describe.each(['hash', 'json'] as const)('deletes and order (%s mode)', (mode) => {
    const exists = (id: number) => redis.exists(`${TOPIC}:${id}`);
    const read = async (id: number): Promise<unknown> =>
      mode === 'json' ? json(`${TOPIC}:${id}`) : redis.hgetall(`${TOPIC}:${id}`);

    it('deletes on op d and on a tombstone', async () => {
      const task = await start({ mode });
      await write(task, [change(0, 'c', 1, { v: 'a' }), change(1, 'c', 2, { v: 'b' })]);
      expect(await exists(1)).toBe(1);
      await write(task, [change(2, 'd', 1, null)]);
      expect(await exists(1)).toBe(0);
      // A plain tombstone (no delete event before it) deletes too.
      await write(task, [tombstone(3, 2)]);
      expect(await exists(2)).toBe(0);
      expect(errant).toEqual([]);
    });

    it('keeps the order of operations on one key within a batch', async () => {
      const task = await start({ mode });
      // set, delete (+ tombstone), set: the key exists with the last value.
      await write(task, [
        change(0, 'c', 1, { v: 'first' }),
        change(1, 'd', 1, null),
        tombstone(2, 1, 1001),
        change(3, 'c', 1, { v: 'last' }),
        // set, set, delete: the key is gone.
        change(4, 'c', 2, { v: 'one' }),
        change(5, 'u', 2, { v: 'two' }),
        change(6, 'd', 2, null),
        tombstone(7, 2, 1006),
      ]);
      expect(await read(1)).toEqual(mode === 'json' ? { id: 1, v: 'last' } : { id: '1', v: 'last' });
      expect(await exists(2)).toBe(0);
    });

    it('keeps the order across pipelines when a put is larger than batch.size', async () => {
      const task = await start({ mode, 'batch.size': 3 });
      const records: SinkRecord[] = [];
      for (let i = 0; i < 20; i++) {
        records.push(i % 2 === 0 ? change(i, 'u', 1, { v: i }) : change(i, 'd', 1, null));
      }
      records.push(change(20, 'u', 1, { v: 'end' }));
      await write(task, records);
      expect(await read(1)).toEqual(mode === 'json' ? { id: 1, v: 'end' } : { id: '1', v: 'end' });
    });

    it('skips a stale replay with the LSN guard, and converges on an in-order replay', async () => {
      const task = await start({ mode });
      const history = [
        change(0, 'c', 1, { v: 'old' }, 100),
        change(1, 'u', 1, { v: 'new' }, 200),
        change(2, 'c', 2, { v: 'doomed' }, 150),
        change(3, 'd', 2, null, 300),
        tombstone(4, 2, 300),
      ];
      await write(task, history);
      expect(await redis.hget(lsnHashKey(CONNECTOR), `${TOPIC}:1`)).toBe('200');

      // A crashed source re-sends older changes after the newer ones: they must not win.
      await write(task, [change(5, 'c', 1, { v: 'old' }, 100), change(6, 'c', 2, { v: 'doomed' }, 150)]);
      expect(await read(1)).toEqual(mode === 'json' ? { id: 1, v: 'new' } : { id: '1', v: 'new' });
      expect(await exists(2)).toBe(0);
      expect(task.status()).toMatchObject({ stale: 2 });

      // The framework's own redelivery replays the same sequence: same final state.
      const again = await start({ mode });
      await write(again, history);
      expect(await read(1)).toEqual(mode === 'json' ? { id: 1, v: 'new' } : { id: '1', v: 'new' });
      expect(await exists(2)).toBe(0);

      // lsn.guard off: the last write wins, however old.
      const unguarded = await start({ mode, 'lsn.guard': false });
      await write(unguarded, [change(7, 'c', 1, { v: 'old' }, 100)]);
      expect(await read(1)).toEqual(mode === 'json' ? { id: 1, v: 'old' } : { id: '1', v: 'old' });
      expect(errant).toEqual([]);
    });

    it('with only envelope change LSNs, lets a snapshot read be overwritten by a change streamed after it with a lower LSN', async () => {
      const task = await start({ mode });
      const envelopeOnly = (r: SinkRecord): SinkRecord => ({ ...r, headers: {} });
      // Debezium-style topics: a transaction in flight at the snapshot point has a change LSN (400) below the
      // snapshot's (500) but commits later, so it is streamed after the snapshot row and is the newer state.
      await write(task, [
        envelopeOnly(change(0, 'r', 1, { v: 'snapshot' }, 500)),
        envelopeOnly(change(1, 'u', 1, { v: 'streamed' }, 400)),
      ]);
      expect(await read(1)).toEqual(mode === 'json' ? { id: 1, v: 'streamed' } : { id: '1', v: 'streamed' });
      // Snapshot reads are still checked against what streamed changes stored.
      await write(task, [envelopeOnly(change(2, 'r', 1, { v: 'older snapshot' }, 300))]);
      expect(await read(1)).toEqual(mode === 'json' ? { id: 1, v: 'streamed' } : { id: '1', v: 'streamed' });
      expect(await redis.hget(lsnHashKey(CONNECTOR), `${TOPIC}:1`)).toBe('400');
    });

    it('with the source.lsn header (commit-LSN versions), a snapshot read raises the stored version', async () => {
      const task = await start({ mode });
      await write(task, [
        change(0, 'r', 1, { v: 'snapshot' }, 500),
        change(1, 'u', 1, { v: 'replayed older' }, 400),
      ]);
      expect(await read(1)).toEqual(mode === 'json' ? { id: 1, v: 'snapshot' } : { id: '1', v: 'snapshot' });
      expect(await redis.hget(lsnHashKey(CONNECTOR), `${TOPIC}:1`)).toBe('500');
    });

    it('sends a WRONGTYPE record to the errors policy and writes the others', async () => {
      await redis.rpush(`${TOPIC}:2`, "someone else's list");
      const task = await start({ mode });
      await write(task, [
        change(0, 'c', 1, { v: 1 }),
        change(1, 'c', 2, { v: 2 }),
        change(2, 'c', 3, { v: 3 }),
      ]);
      expect(errant.map((e) => [e.record.offset, e.error.message])).toEqual([
        [1, expect.stringMatching(/^WRONGTYPE .* holds a list/)],
      ]);
      expect(await exists(1)).toBe(1);
      expect(await exists(3)).toBe(1);
      expect(await redis.lrange(`${TOPIC}:2`, 0, -1)).toEqual(["someone else's list"]);
    });
  });

  describe('stream mode', () => {
    it('appends every event, deletes included, to one stream per topic', async () => {
      const task = await start({ mode: 'stream' });
      await write(task, [
        change(0, 'c', 1, { v: 'a' }),
        change(1, 'u', 1, { v: 'b' }),
        change(2, 'd', 1, null),
        tombstone(3, 1, 1002),
      ]);
      const entries = await redis.xrange(TOPIC, '-', '+');
      expect(entries.map(([, fields]) => fields)).toEqual([
        ['op', 'c', 'key', '{"id":1}', 'value', '{"id":1,"v":"a"}', 'lsn', '1000'],
        ['op', 'u', 'key', '{"id":1}', 'value', '{"id":1,"v":"b"}', 'lsn', '1001'],
        ['op', 'd', 'key', '{"id":1}', 'value', '{"id":1}', 'lsn', '1002'],
      ]);
    });

    it('caps the stream at about stream.maxlen entries', async () => {
      const task = await start({ mode: 'stream', 'stream.maxlen': 10, key: 'capped' });
      const records: SinkRecord[] = [];
      for (let i = 0; i < 1000; i++) records.push(change(i, 'u', 1, { v: i }));
      await write(task, records);
      const len = await redis.xlen('capped');
      // "~" trims whole macro nodes (100 entries each by default), never below the cap.
      expect(len).toBeGreaterThanOrEqual(10);
      expect(len).toBeLessThan(250);
      const [[, last]] = await redis.xrevrange('capped', '+', '-', 'COUNT', 1);
      expect(last).toContain('{"id":1,"v":999}');
    });

    it('appends nothing twice and reports nothing twice when a put is retried before the flush', async () => {
      await redis.set('blocked', 'a string');
      const task = await start({ mode: 'stream', key: '{{value.stream}}' });
      // The framework retries a whole put after a RetriableError; records settled by the first attempt
      // (appended, or reported like record 1's WRONGTYPE) are remembered until the flush.
      const records = [
        change(0, 'c', 1, { stream: 'ok' }),
        change(1, 'c', 2, { stream: 'blocked' }),
        change(2, 'c', 3, { stream: 'ok' }),
      ];
      await task.put(records);
      await task.put(records);
      await task.flush(nextOffsets(records));
      expect(await redis.xlen('ok')).toBe(2);
      expect(errant).toHaveLength(1);
    });
  });

  describe('pubsub mode', () => {
    it('publishes one JSON message per event to the channel template', async () => {
      const sub = server.client();
      const got: Array<[string, unknown]> = [];
      sub.on('message', (channel: string, message: string) => got.push([channel, JSON.parse(message)]));
      await sub.subscribe('orders.1', 'orders.2');
      const task = await start({ mode: 'pubsub', channel: 'orders.{{key}}' });
      await write(task, [
        change(0, 'c', 1, { v: 'a' }),
        change(1, 'c', 2, { v: 'b' }),
        change(2, 'd', 1, null),
      ]);
      await waitFor(() => got.length === 3);
      expect(got).toEqual([
        ['orders.1', { topic: TOPIC, op: 'c', key: { id: 1 }, value: { id: 1, v: 'a' }, lsn: '1000' }],
        ['orders.2', { topic: TOPIC, op: 'c', key: { id: 2 }, value: { id: 2, v: 'b' }, lsn: '1001' }],
        ['orders.1', { topic: TOPIC, op: 'd', key: { id: 1 }, value: { id: 1 }, lsn: '1002' }],
      ]);
      sub.disconnect();
    });
  });

  describe('when Redis is down', () => {
    it('fails the put with a RetriableError, then writes once the server is back', async () => {
      const task = await start({ mode: 'json', timeout: '300ms' });
      await write(task, [change(0, 'c', 1, { v: 'before' })]);
      await server.kill9();
      try {
        const records = [change(1, 'u', 1, { v: 'after' })];
        // Either the client saw the connection drop (not reachable / closed), or it has not yet read the
        // EOF and the command timeout ends the wait: a RetriableError in every case.
        await expect(task.put(records)).rejects.toBeInstanceOf(RetriableError);
        await expect(task.put(records)).rejects.toThrow(/not reachable|Connection|writeable|timed out/);
      } finally {
        await server.restart();
      }
      // The framework retries with backoff; the client reconnects on its own meanwhile.
      const records = [change(1, 'u', 1, { v: 'after' })];
      await retry(() => task.put(records));
      await task.flush(nextOffsets(records));
      expect(await json(`${TOPIC}:1`)).toEqual({ id: 1, v: 'after' });
      expect(errant).toEqual([]);
    }, 30_000);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Retries RetriableErrors like the framework does (with a short backoff). */
async function retry(op: () => Promise<void>, attempts = 50): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof RetriableError) || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
