import { RetriableError, validateConfig, type SinkRecord } from '@tributary/connect-sdk';
import { fakeSinkContext, nextOffsets } from '@tributary/connect-sdk/acceptance';
import { startRedis, type RedisHandle } from '@tributary/testing';
import { Queue, Worker, type Job } from 'bullmq';
import { redisSink } from './index';
import { RedisSinkTask } from './redis-sink-task';

const TOPIC = 'shop.public.orders';
const QUEUE = 'order-changes';

function change(offset: number, op: 'c' | 'u' | 'd', id: number, lsn: number, v?: string): SinkRecord {
  return {
    topic: TOPIC,
    partition: 0,
    offset,
    key: { id },
    value: {
      before: op === 'd' ? { id } : null,
      after: op === 'd' ? null : { id, v },
      source: { lsn, txId: 1, schema: 'public', table: 'orders', ts_ms: 0, snapshot: 'false' },
      op,
      ts_ms: 0,
    },
    headers: { 'source.lsn': String(lsn) },
    timestamp: 0,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisSinkTask, bullmq mode (real redis-server and BullMQ Worker)', () => {
  let server: RedisHandle;
  let worker: Worker;
  let queue: Queue;
  const seen: Array<Pick<Job, 'id' | 'name' | 'data'>> = [];
  const tasks: RedisSinkTask[] = [];

  beforeAll(async () => {
    server = await startRedis();
    const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
    queue = new Queue(QUEUE, { connection });
    worker = new Worker(
      QUEUE,
      async (job) => {
        seen.push({ id: job.id, name: job.name, data: job.data as unknown });
      },
      { connection },
    );
    // A test below kills the server: both reconnect on their own, and report errors meanwhile.
    queue.on('error', () => undefined);
    worker.on('error', () => undefined);
    await worker.waitUntilReady();
  }, 30_000);
  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    for (const t of tasks.splice(0)) await t.stop();
    await server?.dispose();
  });

  const errant: Array<{ record: SinkRecord; error: Error }> = [];
  const start = async (extra: Record<string, unknown> = {}): Promise<RedisSinkTask> => {
    const r = validateConfig(redisSink.config, { url: server.url, mode: 'bullmq', queue: QUEUE, ...extra });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const task = new RedisSinkTask();
    tasks.push(task);
    await task.start(fakeSinkContext('redis-bullmq', r.value, errant));
    return task;
  };
  const write = async (task: RedisSinkTask, records: SinkRecord[]): Promise<void> => {
    await task.put(records);
    await task.flush(nextOffsets(records));
  };
  const waitSeen = async (n: number): Promise<void> => {
    for (let i = 0; seen.length < n; i++) {
      if (i > 250) throw new Error(`the worker saw ${seen.length} jobs, expected ${n}`);
      await sleep(20);
    }
  };
  const total = async (): Promise<number> =>
    Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0);

  it('adds one job per change, and a replay of the same records adds none', async () => {
    const records = [
      change(0, 'c', 1, 100, 'a'),
      change(1, 'u', 1, 110, 'b'),
      change(2, 'd', 1, 120),
      { ...change(3, 'd', 1, 120), value: null }, // the tombstone after the delete: not an event
      change(4, 'c', 2, 130, 'z'),
    ];
    const first = await start();
    await write(first, records);
    await waitSeen(4);
    expect(seen.map((j) => [j.name, (j.data as { op: string }).op])).toEqual([
      [TOPIC, 'c'],
      [TOPIC, 'u'],
      [TOPIC, 'd'],
      [TOPIC, 'c'],
    ]);
    expect(seen[1]).toMatchObject({
      id: expect.stringMatching(new RegExp(`^${TOPIC.replace(/\./g, '\\.')}-110-u-[0-9a-f]{20}$`)),
      data: { topic: TOPIC, op: 'u', key: { id: 1 }, value: { id: 1, v: 'b' }, lsn: '110' },
    });
    expect(new Set(seen.map((j) => j.id)).size).toBe(4);

    // The framework redelivers after a lost commit: same ids, so BullMQ adds nothing.
    const second = await start();
    await write(second, records);
    // A crashed source re-sent the same changes at new topic offsets: same LSNs, same ids.
    await write(
      second,
      records.map((r) => ({ ...r, offset: r.offset + 100 })),
    );
    await sleep(300);
    expect(seen).toHaveLength(4);
    expect(await total()).toBe(4);
    expect(errant).toEqual([]);
  });

  it('fails the put with a RetriableError while Redis is down, then adds the job', async () => {
    const task = await start({ timeout: '300ms' });
    await server.kill9();
    const records = [change(50, 'c', 9, 900, 'late')];
    try {
      await expect(task.put(records)).rejects.toBeInstanceOf(RetriableError);
    } finally {
      await server.restart();
    }
    for (let i = 0; ; i++) {
      try {
        await task.put(records);
        break;
      } catch (e) {
        if (!(e instanceof RetriableError) || i > 50) throw e;
        await sleep(100);
      }
    }
    await task.flush(nextOffsets(records));
    const jobs = await queue.getJobs();
    expect(jobs.filter((j) => (j.data as { lsn: string }).lsn === '900').map((j) => j.data)).toEqual([
      { topic: TOPIC, op: 'c', key: { id: 9 }, value: { id: 9, v: 'late' }, lsn: '900' },
    ]);
    // The worker reconnects too; let it take the job so the next test starts quiet.
    for (let i = 0; !seen.some((j) => (j.data as { lsn: string }).lsn === '900'); i++) {
      if (i > 500) throw new Error('the worker never got the job');
      await sleep(20);
    }
    expect(errant).toEqual([]);
  }, 30_000);

  it('uses the topic position as the job id when there is no source LSN', async () => {
    seen.length = 0;
    const before = await total();
    const records: SinkRecord[] = [0, 1].map((offset) => ({
      topic: 'plain',
      partition: 3,
      offset,
      key: `k${offset}`,
      value: { n: offset },
      headers: {},
      timestamp: 0,
    }));
    const task = await start();
    await write(task, records);
    await write(task, records);
    await waitSeen(2);
    await sleep(200);
    expect(seen.map((j) => j.id)).toEqual(['plain-3-0', 'plain-3-1']);
    expect(seen[0]?.data).toEqual({ topic: 'plain', op: 'c', key: 'k0', value: { n: 0 }, lsn: null });
    expect(await total()).toBe(before + 2);
  });
});
