import { defineConnector } from '@tributary/connect-sdk';
import { elasticsearchSinkConfig } from './config';

export { elasticsearchSinkConfig, type ElasticsearchSinkConfig } from './config';

export const elasticsearchSink = defineConnector({
  name: 'elasticsearch-sink',
  kind: 'sink',
  version: '0.1.0',
  summary:
    'Writes records to Elasticsearch 8 with bulk requests: _id from the key, index/upsert/delete, external versions from the source LSN.',
  description: [
    'Each record becomes one bulk operation on `index` (a template) with `_id` from the record key. With `unwrap`',
    '(the default) a Debezium envelope writes its `after` image and op "d" deletes; a tombstone (null value) always',
    'deletes. `write.method: index` replaces the document, `upsert` merges a partial document (`doc_as_upsert`).',
    '',
    '**Idempotent and ordered.** With `write.method: index` every write carries an external version',
    '(`version_type: external_gte`): the `source.lsn` header postgres-source sets (the commit LSN, equal for the',
    'changes of one transaction, which apply in order), or the Kafka offset. A record older than the stored',
    'version is a 409 that changes nothing; the sink counts it as done.',
    'Deletes leave a versioned tombstone in ES (kept for `index.gc_deletes`, 60s by default) so a late older write',
    'cannot bring the document back. Within a flush, only the oldest pending write of a document is ever in flight,',
    'and later records of the same document fold into it (the higher version wins, the later of equal ones;',
    'unversioned upserts merge).',
    'Versions only grow: after switching `version.source` from lsn to offset, or recreating a topic read with',
    '`offset`, writes to existing documents are all stale; write to a new index instead.',
    '',
    '**Failures.** `flush` returns only when ES acknowledged every write, so consumer offsets are committed only for',
    "what ES holds. Per item: 2xx, a versioned 409 and a delete's 404 are done; 429, 5xx and timeouts are retried",
    'alone (not the whole bulk) with exponential backoff and jitter, up to `retry.max` attempts, after which the',
    'flush throws a retriable error and the framework retries it; any other 4xx (e.g. `mapper_parsing_exception`)',
    "goes to the connector's `errors` policy (DLQ or task failure) with ES's error type and reason, exactly once. A",
    'whole-request 400/413 is bisected down to the record that causes it. 401/403 fail the task.',
    '',
    'Not applied: Debezium truncate events (op "t") and, with `key.ignore: true`, deletes; they are logged once and',
    'counted in the task status (`ignored`).',
  ].join('\n'),
  config: elasticsearchSinkConfig,
  example: { node: 'http://elasticsearch:9200', index: 'cdc-{{source.table}}' },
  // Loaded on first use: every CLI command imports the connector registry, and the Elasticsearch client (~30 MB) would
  // weigh on each of them (and on a worker that never runs this connector).
  createTask: () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ElasticsearchSinkTask } =
      require('./elasticsearch-sink-task') as typeof import('./elasticsearch-sink-task');
    return new ElasticsearchSinkTask();
  },
});
