/**
 * Helpers for this connector's specs. The target is a real cluster when `ES_URL` is set (e.g. the docker-compose
 * one), else the ES fake from @tributary/testing; specs talk to either through the official client only, so the
 * same assertions hold for both. Not used at runtime.
 */
import { Client, errors } from '@elastic/elasticsearch';
import type { SinkRecord } from '@tributary/connect-sdk';
import { fakeSinkContext } from '@tributary/connect-sdk/acceptance';
import { startEsFake, type EsFake } from '@tributary/testing/es-fake';
import { elasticsearchSinkConfig } from './config';
import { ElasticsearchSinkTask } from './elasticsearch-sink-task';

/** A real cluster to run against instead of the fake, e.g. "http://elastic:changeme@127.0.0.1:9200". */
export const REAL_ES_URL = process.env['ES_URL'];

export interface EsTarget {
  url: string;
  /** The fake, or null against a real cluster (fault injection needs the fake). */
  fake: EsFake | null;
  client: Client;
  close(): Promise<void>;
}

export async function startTarget(): Promise<EsTarget> {
  const fake = REAL_ES_URL ? null : await startEsFake();
  const url = REAL_ES_URL ?? (fake as EsFake).url;
  const client = new Client({ node: url, maxRetries: 0 });
  return {
    url,
    fake,
    client,
    close: async () => {
      await client.close();
      await fake?.close();
    },
  };
}

let seq = 0;

/** A name no earlier test (or run, on a shared cluster) used: a topic prefix, and so an index name. */
export function unique(base: string): string {
  return `${base}-${process.pid}-${Date.now().toString(36)}-${++seq}`.toLowerCase();
}

/** Every document of an index by id, after a refresh; empty when the index does not exist. */
export async function readIndex(
  client: Client,
  index: string,
): Promise<Map<string, Record<string, unknown>>> {
  try {
    await client.indices.refresh({ index });
    const res = await client.search<Record<string, unknown>>({
      index,
      query: { match_all: {} },
      size: 10_000,
    });
    return new Map(res.hits.hits.map((h) => [h._id as string, h._source as Record<string, unknown>]));
  } catch (err) {
    if (err instanceof errors.ResponseError && err.statusCode === 404) return new Map();
    throw err;
  }
}

export type Errant = Array<{ record: SinkRecord; error: Error }>;

/** Starts a task on `url` with the SDK's fake context; records it rejects land in `errant`. */
export async function startTask(
  url: string,
  config: Record<string, unknown>,
  errant: Errant,
  connector = 'es-sink-test',
): Promise<ElasticsearchSinkTask> {
  const task = new ElasticsearchSinkTask();
  await task.start(
    fakeSinkContext(connector, elasticsearchSinkConfig.parse({ node: url, ...config }), errant),
  );
  return task;
}

/** A record as the framework delivers it. */
export function record(
  topic: string,
  offset: number,
  key: unknown,
  value: unknown,
  headers: SinkRecord['headers'] = {},
): SinkRecord {
  return { topic, partition: 0, offset, key, value, headers, timestamp: 1_700_000_000_000 + offset };
}

/** A postgres-source change event: Debezium envelope, primary-key key, `source.lsn` header. */
export function change(
  topic: string,
  offset: number,
  op: 'c' | 'u' | 'd' | 'r' | 't',
  id: number,
  lsn: number,
  row: Record<string, unknown> | null,
): SinkRecord {
  const [, schema = 'public', table = 'orders'] = topic.split('.').slice(-3);
  const value = {
    before: op === 'd' ? { id, ...row } : null,
    after: op === 'd' || op === 't' ? null : { id, ...row },
    source: {
      lsn,
      txId: 1000 + offset,
      schema,
      table,
      ts_ms: 1_700_000_000_000,
      snapshot: op === 'r' ? 'true' : 'false',
    },
    op,
    ts_ms: 1_700_000_000_000,
  };
  return record(topic, offset, op === 't' ? null : { id }, value, { 'source.lsn': String(lsn) });
}

/** The tombstone postgres-source sends after a delete: same key and LSN, null value. */
export function tombstone(topic: string, offset: number, id: number, lsn: number): SinkRecord {
  return record(topic, offset, { id }, null, { 'source.lsn': String(lsn) });
}
