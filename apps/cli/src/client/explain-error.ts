import { CliError, UsageError } from './client-options';
import { FetchError } from '@tributary/common';

/** What kafkajs attaches to its errors; read defensively because the shapes vary by error class. */
interface KafkajsErrorShape {
  name?: string;
  message?: string;
  type?: string;
  code?: string;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown[];
  apiName?: string;
}

/** Hints for the Kafka error codes a CLI user is most likely to meet, keyed by kafkajs's error type names. */
const HINTS: Record<string, string> = {
  UNKNOWN_TOPIC_OR_PARTITION: 'the topic or partition does not exist; see `tributary topics list`',
  TOPIC_ALREADY_EXISTS: 'the topic already exists; see `tributary topics describe <topic>`',
  INVALID_PARTITIONS: 'the partition count is out of range (1-100000)',
  INVALID_REPLICATION_FACTOR:
    'the replication factor is larger than the number of brokers; this node has one, use --replication-factor 1',
  INVALID_CONFIG: 'a --config key or value is not accepted for topics; check the Kafka name and value',
  INVALID_TOPIC_EXCEPTION: 'topic names use letters, digits, ".", "_" and "-", at most 249 characters',
  GROUP_ID_NOT_FOUND: 'no such consumer group; see `tributary groups list`',
  COORDINATOR_NOT_AVAILABLE: 'the group coordinator is not available yet; retry in a moment',
  NOT_COORDINATOR: 'the group coordinator moved; retry',
  OFFSET_OUT_OF_RANGE:
    'the offset is outside the partition; use --from-beginning or an offset between earliest and latest',
  MESSAGE_TOO_LARGE: 'the message is larger than message.max.bytes on the broker or topic',
  RECORD_LIST_TOO_LARGE: 'the batch is larger than the broker accepts; send fewer or smaller lines',
  UNSUPPORTED_VERSION: 'the broker does not support this request version',
  POLICY_VIOLATION: 'the broker refused the request by policy',
};

function chain(e: unknown): KafkajsErrorShape[] {
  const out: KafkajsErrorShape[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [e];
  while (queue.length > 0 && out.length < 20) {
    const cur = queue.shift();
    if (cur === null || typeof cur !== 'object' || seen.has(cur)) continue;
    seen.add(cur);
    const err = cur as KafkajsErrorShape;
    out.push(err);
    queue.push(err.cause, err.originalError, ...(Array.isArray(err.errors) ? err.errors : []));
  }
  return out;
}

const ECONN =
  /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN|Connection timeout|connect ECONN/i;

/**
 * One line saying what failed and the likely cause: connection trouble names the bootstrap address and how to
 * start a broker, Kafka error codes get a hint, anything else keeps the client's own message.
 */
export function explainError(what: string, e: unknown, bootstrap: string): string {
  if (e instanceof UsageError || e instanceof CliError || e instanceof FetchError)
    return `${what}: ${e.message}`;
  const errs = chain(e);
  const conn = errs.find(
    (x) =>
      x.name === 'KafkaJSConnectionError' ||
      x.name === 'KafkaJSConnectionClosedError' ||
      ECONN.test(x.message ?? ''),
  );
  const protocol = errs.find((x) => typeof x.type === 'string' && x.type.length > 0);
  if (protocol?.type && HINTS[protocol.type])
    return `${what}: ${protocol.message ?? protocol.type} (${protocol.type}): ${HINTS[protocol.type]}`;
  if (protocol?.type) return `${what}: ${protocol.message ?? protocol.type} (${protocol.type})`;
  const unsupported = errs.find((x) => x.name === 'KafkaJSServerDoesNotSupportApiKey');
  if (unsupported) {
    return `${what}: the broker at ${bootstrap} does not support the ${unsupported.apiName ?? 'requested'} API; run a broker version that does`;
  }
  if (conn) {
    const reason = (conn.message ?? '').replace(/^Connection error:\s*/i, '');
    return `${what}: cannot connect to ${bootstrap} (${reason}): is the broker running? start it with \`tributary start\``;
  }
  const timeout = errs.find((x) => x.name === 'KafkaJSRequestTimeoutError' || x.name === 'KafkaJSTimeout');
  if (timeout)
    return `${what}: the broker at ${bootstrap} did not answer in time (${timeout.message}); is it overloaded or stuck?`;
  // Wrapped errors (retries exceeded, non-retriable) carry the useful text in their innermost cause.
  const top = errs[0]?.message ?? String(e);
  const inner = errs[errs.length - 1]?.message;
  return `${what}: ${inner && inner !== top ? `${top}: ${inner}` : top}`;
}
