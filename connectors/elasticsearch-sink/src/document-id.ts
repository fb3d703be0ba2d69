import type { SinkRecord } from '@tributary/connect-sdk';
import { RecordRejected } from './record-rejected';

/** ES refuses longer ids for the whole bulk request, so they are caught per record here. */
const MAX_ID_BYTES = 512;

/** JSON with object keys sorted at every level, so `{b, a}` and `{a, b}` name the same document. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object' && v !== null && !Buffer.isBuffer(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('utf8'));
  return JSON.stringify(v) ?? 'null';
}

function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return null;
}

/**
 * The document id of a record. From the key: a string or number as text; an object with one field (a
 * Debezium primary key `{"id": 42}`) that field's value; any other key its canonical JSON. With `keyIgnore`,
 * `topic+partition+offset`, so every record is its own document and a redelivery hits the same one.
 */
export function documentId(record: SinkRecord, keyIgnore: boolean): string {
  if (keyIgnore) return `${record.topic}+${record.partition}+${record.offset}`;
  const key = record.key;
  if (key === null || key === undefined)
    throw new RecordRejected(
      'the record has no key, so it has no document id; key the topic by the primary key or set key.ignore: true',
    );
  let id = scalarText(key);
  if (id === null && typeof key === 'object' && !Array.isArray(key)) {
    const fields = Object.entries(key as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (fields.length === 1) id = scalarText(fields[0]?.[1]);
  }
  id ??= canonicalJson(key);
  if (id === '') throw new RecordRejected('the record key is empty, and Elasticsearch needs a non-empty id');
  if (Buffer.byteLength(id) > MAX_ID_BYTES)
    throw new RecordRejected(
      `the document id from the record key is ${Buffer.byteLength(id)} bytes; Elasticsearch allows ${MAX_ID_BYTES}`,
    );
  return id;
}
