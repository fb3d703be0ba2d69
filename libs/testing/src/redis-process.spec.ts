import { existsSync } from 'node:fs';
import { startRedis, type RedisHandle } from './redis-process';

/** Is a process with this pid still alive (signal 0 only checks)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startRedis', () => {
  let redis: RedisHandle | undefined;

  afterAll(async () => {
    await redis?.dispose();
  });

  it('runs a private server whose AOF keeps data across a restart and a kill -9, and disposes cleanly', async () => {
    redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(existsSync(redis.dir)).toBe(true);

    const c = redis.client();
    expect(await c.set('greeting', 'hello')).toBe('OK');
    expect(await c.get('greeting')).toBe('hello');
    expect(await c.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);

    const first = redis.pid;
    await redis.restart();
    expect(redis.pid).not.toBe(first);
    expect(alive(first)).toBe(false);
    // The client reconnects on its own once the server is back.
    expect(await c.get('greeting')).toBe('hello');

    // A crash: acked writes were written to the AOF before the reply, so only an OS crash could lose them.
    await c.set('after-restart', 'kept');
    const second = redis.pid;
    await redis.kill9();
    expect(alive(second)).toBe(false);
    expect(redis.pid).toBe(-1);
    await redis.restart();
    const fresh = redis.client();
    expect(await fresh.mget('greeting', 'after-restart')).toEqual(['hello', 'kept']);

    const { pid, dir } = redis;
    await redis.dispose();
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await redis.dispose(); // idempotent
  }, 60_000);
});
