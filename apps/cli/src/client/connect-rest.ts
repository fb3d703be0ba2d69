import { CliError } from './client-options';

export const DEFAULT_CONNECT_URL = 'http://127.0.0.1:8083';

/** A small client for the connect worker's REST API; errors carry the worker's own message. */
export class ConnectRest {
  constructor(readonly url: string) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new CliError(
        `cannot reach the connect worker at ${this.url} (${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}); is it running? Set --connect-url or TRIBUTARY_CONNECT_URL`,
      );
    }
    const text = await res.text();
    const parsed: unknown = text.length > 0 ? JSON.parse(text) : null;
    if (!res.ok) {
      const message = (parsed as { message?: string } | null)?.message ?? `HTTP ${res.status}`;
      throw new CliError(message);
    }
    return parsed as T;
  }
}
