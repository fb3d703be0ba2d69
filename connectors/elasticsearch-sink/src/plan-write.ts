import type { SinkRecord } from '@tributary/connect-sdk';
import type { ElasticsearchSinkConfig } from './config';
import { documentId } from './document-id';
import { renderIndex, type SourceBlock } from './index-name';
import { RecordRejected } from './record-rejected';

export type Doc = Record<string, unknown>;
export type WriteKind = 'index' | 'upsert' | 'delete';

/** What one record asks of Elasticsearch. */
export interface WriteAction {
  record: SinkRecord;
  index: string;
  id: string;
  kind: WriteKind;
  /** index/upsert: the document (or the partial one). */
  doc?: Doc;
  /** External version; absent when the write is not versioned. */
  version?: number;
}

/** A record with nothing to write, and why (counted and logged, not an error). */
export interface Ignored {
  ignored: 'truncate' | 'delete-without-key';
}

interface Envelope {
  op: string;
  after?: unknown;
  source?: unknown;
}

const OPS = ['c', 'u', 'd', 'r', 't'];

function isObject(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** A Debezium change event: an `op` Debezium uses and a `before` or `after` image. */
function asEnvelope(v: unknown): Envelope | null {
  if (!isObject(v) || typeof v['op'] !== 'string' || !OPS.includes(v['op'])) return null;
  if (!('after' in v) && !('before' in v)) return null;
  return v as unknown as Envelope;
}

function headerText(record: SinkRecord, name: string): string | undefined {
  const h = record.headers[name];
  return h === undefined ? undefined : Buffer.isBuffer(h) ? h.toString('utf8') : h;
}

/**
 * The external version of a record, or undefined when writes are not versioned. Upserts never are: ES's update
 * API rejects external versions, and mixing them with versioned deletes would let a replayed upsert resurrect
 * a deleted document.
 */
export function versionOf(record: SinkRecord, config: ElasticsearchSinkConfig): number | undefined {
  const mode = config['version.source'];
  if (mode === 'none' || config['write.method'] === 'upsert') return undefined;
  const lsn = headerText(record, 'source.lsn');
  if (mode === 'offset' || (mode === 'auto' && lsn === undefined)) return record.offset;
  if (lsn === undefined)
    throw new RecordRejected(
      'version.source is lsn but the record has no source.lsn header; use version.source auto or offset for topics not written by postgres-source',
    );
  const n = /^\d+$/.test(lsn.trim()) ? Number(lsn.trim()) : NaN;
  if (!Number.isSafeInteger(n))
    throw new RecordRejected(`the source.lsn header "${lsn}" is not a decimal LSN below 2^53`);
  return n;
}

/**
 * Turns a record into a write, or says why there is none. Throws RecordRejected for records that can never be
 * written (the caller hands them to the errors policy).
 */
export function planWrite(record: SinkRecord, config: ElasticsearchSinkConfig): WriteAction | Ignored {
  const envelope = config.unwrap ? asEnvelope(record.value) : null;
  if (envelope?.op === 't') return { ignored: 'truncate' };
  const isDelete = record.value === null || record.value === undefined || envelope?.op === 'd';
  // With key.ignore every record is its own document: a delete names nothing that exists.
  if (isDelete && config['key.ignore']) return { ignored: 'delete-without-key' };
  const source = envelope && isObject(envelope.source) ? (envelope.source as SourceBlock) : null;
  const index = renderIndex(config.index, record, source);
  const id = documentId(record, config['key.ignore']);
  const version = versionOf(record, config);
  const at = version === undefined ? {} : { version };
  if (isDelete) return { record, index, id, kind: 'delete', ...at };
  const doc = envelope ? envelope.after : record.value;
  if (!isObject(doc))
    throw new RecordRejected(
      envelope
        ? `the Debezium event (op "${envelope.op}") has no "after" object to index`
        : `the record value is ${Array.isArray(doc) ? 'an array' : typeof doc}, but an Elasticsearch document must be a JSON object (check converter.value: json)`,
    );
  return { record, index, id, kind: config['write.method'] === 'upsert' ? 'upsert' : 'index', doc, ...at };
}
