import { RetriableError } from '@tributary/connect-sdk';
import { ReplyError } from 'ioredis';

/** Server replies that say "not now" rather than "never": the server is loading, busy, failing over, full. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN|READONLY|OOM|NOREPLICAS|MISCONF)\b/;

/**
 * A Redis error reply about this command (WRONGTYPE, a bad argument, a script error): retrying cannot help,
 * the record goes to the errors policy. Everything else (connection refused or closed, timeouts, LOADING) is
 * transient.
 */
export function isPermanent(err: unknown): boolean {
  return (
    err instanceof (ReplyError as new (...args: unknown[]) => Error) && !TRANSIENT_REPLY.test(err.message)
  );
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export function retriable(what: string, err: unknown): RetriableError {
  return new RetriableError(`redis-sink: ${what}: ${asError(err).message}`, { cause: err });
}

const CONNECTION_TROUBLE =
  /Connection is closed|Stream isn't writeable|timed out|MaxRetriesPerRequest|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN/i;

/**
 * A failed BullMQ add: a Redis error reply is judged as above; any other error is connection trouble when the
 * client is not ready or the message says so, else BullMQ rejected the job itself (permanent).
 */
export function isPermanentJobError(err: unknown, redis: { status: string } | null): boolean {
  if (err instanceof (ReplyError as new (...args: unknown[]) => Error)) return isPermanent(err);
  if (redis?.status !== 'ready') return false;
  return !CONNECTION_TROUBLE.test(asError(err).message);
}
