import { appendFileSync } from 'node:fs';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { readPartitions, sleep } from '@tributary/testing';

/** Shared helpers of the connect e2e specs: REST calls, polling with a deadline, reading a topic. */

export interface HttpResult<T = unknown> {
  status: number;
  /** The parsed JSON body, or null when the body is empty or not JSON. */
  body: T;
  text: string;
  contentType: string;
}

/** One REST call with global fetch; a JSON body is sent as application/json. */
export async function http<T = unknown>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<HttpResult<T>> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed as T, text, contentType: res.headers.get('content-type') ?? '' };
}

/**
 * Polls `probe` until `ok` holds for its result, and returns that result; on the deadline fails with `what`
 * and the last value seen (so a failure says what the condition looked like instead).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown = null;
  for (;;) {
    try {
      last = await probe();
      lastError = null;
      if (ok(last)) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const seen = lastError ? `error ${(lastError as Error).message}` : JSON.stringify(last)?.slice(0, 2000);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
    }
    await sleep(intervalMs);
  }
}

/** Kafka Connect's status payload, as far as the specs look at it. */
export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: { id: number; state: string; restarts: number; trace?: string; health: string }[];
  type: string;
}

export interface ErrorBody {
  error_code: number;
  message: string;
}

export function statusOf(url: string, name: string): Promise<ConnectorStatus> {
  return http<ConnectorStatus>('GET', `${url}/connectors/${name}/status`).then((r) => {
    if (r.status !== 200) throw new Error(`GET status of ${name}: ${r.status} ${r.text}`);
    return r.body;
  });
}

/** Waits until the connector is in `state` and every task too (no tasks when STOPPED). */
export function waitForState(url: string, name: string, state: string, timeoutMs = 20_000) {
  return waitFor(
    `connector ${name} and its tasks to be ${state}`,
    () => statusOf(url, name),
    (s) =>
      s.connector.state === state &&
      (state === 'STOPPED'
        ? s.tasks.length === 0
        : s.tasks.length > 0 && s.tasks.every((t) => t.state === state)),
    timeoutMs,
  );
}

export function appendLines(path: string, lines: readonly string[]): void {
  appendFileSync(path, lines.map((l) => `${l}\n`).join(''));
}

export function kafkaClient(bootstrap: string): Kafka {
  return new Kafka({ clientId: 'connect-e2e-reader', brokers: [bootstrap], logLevel: logLevel.NOTHING });
}

/**
 * Every value of partition 0 of `topic` up to its end, decoded from the JSON converter (a file-source line
 * becomes a JSON string). A topic that does not exist yet reads as empty.
 */
export async function topicValues(kafka: Kafka, topic: string): Promise<unknown[]> {
  try {
    const msgs = await readPartitions(kafka, topic, [0]);
    return msgs.map((m) => (m.value === null ? null : (JSON.parse(m.value) as unknown)));
  } catch (e) {
    if (/UNKNOWN_TOPIC|does not host|not found|no partition|code 3\b/i.test((e as Error).message)) return [];
    throw e;
  }
}

/** Waits until the topic holds exactly `expected` (in order), then returns it. */
export function waitForTopic(kafka: Kafka, topic: string, expected: readonly unknown[], timeoutMs = 20_000) {
  return waitFor(
    `topic ${topic} to hold ${JSON.stringify(expected).slice(0, 300)}`,
    () => topicValues(kafka, topic),
    (v) => JSON.stringify(v) === JSON.stringify(expected),
    timeoutMs,
    200,
  );
}

/**
 * Asserts that `topic` holds exactly `expected` and keeps holding it for `quietMs`: for "nothing more arrives"
 * (paused, removed or unchanged connectors). The wait is a window for a wrong record to show up, not a timing
 * assertion: with a 50 ms poll interval a connector that should not run would have delivered by then.
 */
export async function expectTopicStays(
  kafka: Kafka,
  topic: string,
  expected: readonly unknown[],
  quietMs = 1500,
): Promise<void> {
  await sleep(quietMs);
  expect(await topicValues(kafka, topic)).toEqual(expected);
}

/** The pino records the worker logged (its stdout is JSON lines), optionally only those with `msg`. */
export function logRecords(logs: string, msg?: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of logs.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const r = JSON.parse(line) as Record<string, unknown>;
      if (msg === undefined || r['msg'] === msg) out.push(r);
    } catch {
      // a partial line or not a log record
    }
  }
  return out;
}

/** A writer started by keepProducing: `count` records acknowledged so far; `stop` waits for the last send. */
export interface ProducingLoop {
  readonly count: number;
  stop(): Promise<void>;
}

/**
 * Sends numbered records ("0", "1", ...; keyed by the same number when `keyed`) in batches of `batch` until
 * stopped, so a test can stop or rebalance a sink while records keep arriving.
 */
export function keepProducing(
  producer: Producer,
  topic: string,
  opts: { batch: number; keyed?: boolean; pauseMs?: number },
): ProducingLoop {
  let count = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const messages = Array.from({ length: opts.batch }, (_, i) => {
        const n = String(count + i);
        return opts.keyed ? { key: n, value: n } : { value: n };
      });
      await producer.send({ topic, messages });
      count += messages.length;
      if (opts.pauseMs) await sleep(opts.pauseMs);
    }
  })();
  return {
    get count() {
      return count;
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
