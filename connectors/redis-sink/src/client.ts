import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * A client that fails fast instead of queueing: while the server is unreachable commands are rejected at once
 * (no offline queue) and commands in flight when the connection drops are rejected too (no resend), so a put
 * turns into a RetriableError and the framework's backoff decides when to try again. It keeps reconnecting in
 * the background.
 */
export function createClient(url: string, timeoutMs: number, log: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // ioredis arms this timer even on a socket that is already closed; 2 s (its default) delays shutdown.
    disconnectTimeout: 500,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
  let lastLog = 0;
  redis.on('error', (err: Error) => {
    // Every reconnect attempt errors while the server is down: log at most every 10 s.
    if (Date.now() - lastLog < 10_000) return;
    lastLog = Date.now();
    log.warn({ err: err.message }, 'redis connection error; reconnecting');
  });
  return redis;
}

/** Waits until the client is ready (connecting it if it never was); false after `timeoutMs` or an abort. */
export function waitReady(redis: Redis, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  if (redis.status === 'wait') redis.connect().catch(() => undefined);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onReady = (): void => done(true);
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
    signal.addEventListener('abort', onAbort);
  });
}

/** Closes a client: QUIT when connected (replies already received are kept), else just drop the socket. */
export async function closeClient(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through
    }
  }
  redis.disconnect();
}
