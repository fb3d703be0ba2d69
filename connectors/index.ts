import type { ConnectorDefinition } from '@tributary/connect-sdk';
import { elasticsearchSink } from '@tributary/connectors/elasticsearch-sink';
import { fileSink } from '@tributary/connectors/file-sink';
import { fileSource } from '@tributary/connectors/file-source';
import { redisSink } from '@tributary/connectors/redis-sink';
import { postgresSource } from '@tributary/connectors/postgres-source';
import { reconcile } from '@tributary/connectors/reconcile';

/**
 * The connector registry: every connector plugin is imported here, statically (docs/adr/0001). A pipeline
 * file's `type` names one of these.
 */
export const CONNECTORS: readonly ConnectorDefinition[] = [
  fileSource as ConnectorDefinition,
  fileSink as ConnectorDefinition,
  redisSink as ConnectorDefinition,
  elasticsearchSink as ConnectorDefinition,
  postgresSource as ConnectorDefinition,
  reconcile as ConnectorDefinition,
];
