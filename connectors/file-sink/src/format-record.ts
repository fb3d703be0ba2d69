import type { RecordHeaders, SinkRecord } from '@tributary/connect-sdk';
import type { FileSinkConfig } from './config';

/** Buffers become UTF-8 text and undefined becomes null, so every value has a JSON form. */
function jsonable(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return v === undefined ? null : v;
}

export function headerText(headers: RecordHeaders, name: string): string | undefined {
  const h = headers[name];
  return h === undefined ? undefined : Buffer.isBuffer(h) ? h.toString('utf8') : h;
}

/** One output line (with its newline) for a record; throws if the value cannot be written as JSON. */
export function formatRecord(record: SinkRecord, format: FileSinkConfig['format']): string {
  if (format === 'value') return `${JSON.stringify(jsonable(record.value))}\n`;
  const envelope: Record<string, unknown> = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: jsonable(record.key),
    value: jsonable(record.value),
  };
  const names = Object.keys(record.headers);
  if (names.length > 0)
    envelope['headers'] = Object.fromEntries(names.map((n) => [n, headerText(record.headers, n)]));
  return `${JSON.stringify(envelope)}\n`;
}
