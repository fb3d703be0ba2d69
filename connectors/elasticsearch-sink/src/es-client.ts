import { Client, errors } from '@elastic/elasticsearch';
import { ConnectorError, RetriableError } from '@tributary/connect-sdk';
import type { ElasticsearchSinkConfig } from './config';
import { indexPatternOf } from './index-name';

/**
 * The official client for the configured nodes. Its own retries are off: they are immediate and per request,
 * while the sink retries per item with backoff and keeps per-document order across retries.
 */
export function createClient(config: ElasticsearchSinkConfig): Client {
  const auth = config.auth;
  return new Client({
    node: config.node,
    maxRetries: 0,
    requestTimeout: config['request.timeout'],
    ...(auth
      ? {
          auth:
            'api.key' in auth
              ? { apiKey: auth['api.key'] }
              : { username: auth.username, password: auth.password },
        }
      : {}),
  });
}

/** Puts `index.template` (if configured) as a composable index template; safe to repeat on every start. */
export async function putIndexTemplate(
  client: Client,
  config: ElasticsearchSinkConfig,
  connector: string,
): Promise<void> {
  const t = config['index.template'];
  if (!t) return;
  const name = t.name ?? `tributary-${connector}`.toLowerCase();
  const template: Record<string, unknown> = {};
  if (t.settings) template['settings'] = t.settings;
  if (t.mappings) template['mappings'] = t.mappings;
  try {
    await client.indices.putIndexTemplate({
      name,
      index_patterns: t.patterns ?? [indexPatternOf(config.index)],
      priority: t.priority,
      template,
    });
  } catch (err) {
    if (
      err instanceof errors.ResponseError &&
      (err.statusCode ?? 0) >= 400 &&
      (err.statusCode ?? 0) < 500 &&
      err.statusCode !== 429
    )
      throw new ConnectorError(`Elasticsearch refused index.template "${name}": ${err.message}`, {
        cause: err,
      });
    throw new RetriableError(`could not put index.template "${name}": ${(err as Error).message}`, {
      cause: err,
    });
  }
}
