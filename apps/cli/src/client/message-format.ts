import { UsageError } from './client-options';

/** A consumed message with its bytes decoded as UTF-8, as the output formats print it. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string | string[]>;
}

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** Converts the kafkajs message shape (Buffers, string offsets) into a printable message. */
export function fromKafkajs(
  topic: string,
  partition: number,
  m: {
    offset: string;
    timestamp: string;
    key?: Buffer | null;
    value: Buffer | null;
    headers?: Record<string, HeaderValue>;
  },
): ConsumedMessage {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v === undefined) continue;
    headers[k] = Array.isArray(v) ? v.map((x) => x.toString()) : v.toString();
  }
  return {
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    key: m.key === null || m.key === undefined ? null : m.key.toString(),
    value: m.value === null ? null : m.value.toString(),
    headers,
  };
}

const headerText = (h: ConsumedMessage['headers']): string =>
  Object.entries(h)
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}=${x}`) : [`${k}=${v}`]))
    .join(',');

const TOKENS: Record<string, (m: ConsumedMessage) => string> = {
  t: (m) => m.topic,
  p: (m) => String(m.partition),
  o: (m) => String(m.offset),
  k: (m) => m.key ?? '',
  v: (m) => m.value ?? '',
  h: (m) => headerText(m.headers),
  T: (m) => String(m.timestamp),
  K: (m) => String(m.key === null ? -1 : Buffer.byteLength(m.key)),
  S: (m) => String(m.value === null ? -1 : Buffer.byteLength(m.value)),
  '%': () => '%',
};
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };

/**
 * Compiles a kcat-style format: %t topic, %p partition, %o offset, %k key, %v value, %h headers (k=v,...),
 * %T timestamp, %K/%S key/value length (-1 for null), %% and the escapes \n \t \r \\. A format without a
 * newline gets one appended, so `--format '%k:%v'` prints one message per line.
 */
export function compileFormat(format: string): (m: ConsumedMessage) => string {
  const parts: ((m: ConsumedMessage) => string)[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    const next = format[i + 1];
    if ((c === '%' || c === '\\') && next === undefined)
      throw new UsageError(`--format ends with a lone "${c}"`);
    if (c === '%') {
      const fn = TOKENS[next!];
      if (!fn)
        throw new UsageError(
          `--format has unknown token "%${next}"; known: ${Object.keys(TOKENS)
            .map((t) => `%${t}`)
            .join(' ')}`,
        );
      if (literal) {
        const text = literal;
        parts.push(() => text);
        literal = '';
      }
      parts.push(fn);
      i++;
    } else if (c === '\\' && ESCAPES[next!] !== undefined) {
      literal += ESCAPES[next!];
      i++;
    } else {
      literal += c;
    }
  }
  const hasNewline = literal.includes('\n') || format.includes('\\n');
  if (!hasNewline) literal += '\n';
  if (literal) parts.push(() => literal);
  return (m) => parts.map((p) => p(m)).join('');
}

/** One JSON object per line. */
export function jsonLine(m: ConsumedMessage): string {
  return JSON.stringify(m) + '\n';
}
