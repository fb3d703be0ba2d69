import { ConnectorError, RetriableError } from '@tributary/connect-sdk';

/** The slot-in-use message: who holds it and how to release it. */
export function slotInUse(slot: string, pid: number | string): ConnectorError {
  return new ConnectorError(
    `replication slot "${slot}" is in use by another process (active_pid ${pid}): another connector or a stale ` +
      `connection is reading it. Find it with "SELECT pid, application_name, client_addr, backend_start FROM ` +
      `pg_stat_activity WHERE pid = ${pid};" and, if it is stale, end it with "SELECT pg_terminate_backend(${pid});" ` +
      `(or give this connector its own slot.name)`,
  );
}

const TRANSIENT_CODES = /^(08|57P|53|40001|40P01)/;
const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * Maps a driver error to what the framework should do: connection trouble is retriable (the task is restarted
 * from the stored offsets); a Postgres refusal becomes a ConnectorError saying what to change.
 */
export function classify(e: unknown, slot: string, what: string): Error {
  if (e instanceof ConnectorError || e instanceof RetriableError) return e;
  const err = e as { code?: string; message?: string };
  const message = err?.message ?? String(e);
  const code = err?.code ?? '';
  if (code === '55006' || /replication slot .* is active for PID/i.test(message)) {
    const pid = /PID (\d+)/i.exec(message)?.[1] ?? '?';
    return slotInUse(slot, pid);
  }
  if (code === '28P01' || code === '28000') {
    return new ConnectorError(
      `${what}: authentication failed (${message}); check the user and password in "connection"`,
      {
        cause: e,
      },
    );
  }
  if (code === '42501') {
    return new ConnectorError(
      `${what}: permission denied (${message}); grant the privilege named or use a role that has it`,
      {
        cause: e,
      },
    );
  }
  if (
    TRANSIENT_CODES.test(code) ||
    TRANSIENT_ERRNO.has(code) ||
    /Connection terminated|terminating connection|ECONNRESET|ECONNREFUSED|the database system is (starting up|shutting down|in recovery)/i.test(
      message,
    )
  ) {
    return new RetriableError(`${what}: ${message}`, { cause: e });
  }
  return new Error(`${what}: ${message}`, { cause: e });
}
