import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { executeAction, injectedError, parseBulk, type BulkItemResult } from './bulk';
import { EsRequestError, errorTypeFor, reasonFor } from './es-errors';
import type { FakeRequestInfo, ItemFault, RequestFault } from './faults';
import { FakeStore, type IndexTemplate, type Source } from './store';

/** A request as the fake received it, for assertions (auth headers, bulk bodies, retries). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
}

export interface EsFakeOptions {
  /** Credentials every request must carry; without them the fake answers 401 like a secured cluster. */
  auth?: { username: string; password: string } | { apiKey: string };
  /** The version `GET /` reports. */
  version?: string;
}

export interface EsFakeFaults {
  itemStatus?: ItemFault;
  requestStatus?: RequestFault;
}

export interface EsFake {
  url: string;
  port: number;
  /** A copy of an index's documents by id, in write order (empty when the index does not exist). */
  docs(index: string): Map<string, Source>;
  count(index: string): number;
  /** The version ES would report for a document, or its tombstone's; undefined if never written. */
  version(index: string, id: string): number | undefined;
  /** Index templates stored with `PUT /_index_template/<name>`. */
  templates(): Map<string, IndexTemplate>;
  /** Replaces the current fault injection; `inject({})` turns faults off. */
  inject(faults: EsFakeFaults): void;
  /** Every request served so far, oldest first. */
  readonly requests: RecordedRequest[];
  /** Forgets every index, template and recorded request. */
  reset(): void;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=UTF-8';

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.statusCode = status;
  res.setHeader('x-elastic-product', 'Elasticsearch');
  if (body === undefined) {
    res.end();
    return;
  }
  res.setHeader('content-type', JSON_TYPE);
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let buf = Buffer.concat(chunks);
  if ((req.headers['content-encoding'] ?? '').includes('gzip')) buf = gunzipSync(buf);
  return buf.toString('utf8');
}

function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const v = JSON.parse(body) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the parse error below
  }
  throw new EsRequestError(400, 'parse_exception', 'request body is required to be a JSON object');
}

function expectedAuth(auth: EsFakeOptions['auth']): string | null {
  if (!auth) return null;
  if ('apiKey' in auth) return `ApiKey ${auth.apiKey}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** ids of the hits a `query` selects: match_all, ids, or a term on `_id`; anything else is refused. */
function selectIds(query: unknown, all: Iterable<string>): string[] {
  const ids = [...all];
  if (query === undefined) return ids;
  const q = query as Record<string, Record<string, unknown> | undefined>;
  if (q['match_all']) return ids;
  const idsQuery = q['ids'];
  if (idsQuery && Array.isArray(idsQuery['values'])) {
    const wanted = new Set((idsQuery['values'] as unknown[]).map(String));
    return ids.filter((id) => wanted.has(id));
  }
  const term = q['term']?.['_id'];
  if (term !== undefined) {
    const v = typeof term === 'object' && term !== null ? (term as { value?: unknown }).value : term;
    return ids.filter((id) => id === String(v));
  }
  throw new EsRequestError(
    400,
    'parsing_exception',
    `the ES fake supports only match_all, ids and term on _id queries, got ${JSON.stringify(query)}`,
  );
}

/**
 * Starts a small Elasticsearch 8 lookalike on a free loopback port: enough of the REST API for the official
 * client and the elasticsearch-sink (info, indices, index templates, bulk with external versions, get, count,
 * search by ids, refresh), with fault injection. Data lives in memory and is always "refreshed".
 */
export async function startEsFake(options: EsFakeOptions = {}): Promise<EsFake> {
  let store = new FakeStore();
  let faults: EsFakeFaults = {};
  const requests: RecordedRequest[] = [];
  const wantAuth = expectedAuth(options.auth);
  const version = options.version ?? '8.15.0';

  const route = (method: string, parts: string[], body: string): [number, unknown?] => {
    const [first, second, third] = parts;
    if (parts.length === 0) {
      if (method === 'HEAD') return [200];
      if (method === 'GET')
        return [
          200,
          {
            name: 'es-fake',
            cluster_name: 'tributary-es-fake',
            cluster_uuid: 'es-fake-cluster',
            version: {
              number: version,
              build_flavor: 'default',
              build_type: 'docker',
              lucene_version: '9.11.1',
              minimum_wire_compatibility_version: '7.17.0',
              minimum_index_compatibility_version: '7.0.0',
            },
            tagline: 'You Know, for Search',
          },
        ];
    }
    if (first === '_cluster' && second === 'health' && method === 'GET')
      return [
        200,
        { cluster_name: 'tributary-es-fake', status: 'green', timed_out: false, number_of_nodes: 1 },
      ];
    if (first === '_bulk' && parts.length === 1 && (method === 'POST' || method === 'PUT'))
      return [200, bulk(body, undefined)];
    if (first === '_refresh' && parts.length === 1)
      return [200, { _shards: { total: 1, successful: 1, failed: 0 } }];
    if (first === '_index_template' && second !== undefined && parts.length === 2) {
      if (method === 'PUT' || method === 'POST') {
        const t = parseJsonBody(body) as unknown as IndexTemplate;
        if (!Array.isArray(t.index_patterns) || t.index_patterns.length === 0)
          throw new EsRequestError(
            400,
            'action_request_validation_exception',
            'Validation Failed: 1: index patterns are missing;',
          );
        store.templates.set(second, t);
        return [200, { acknowledged: true }];
      }
      const t = store.templates.get(second);
      if (method === 'HEAD') return [t ? 200 : 404];
      if (method === 'GET') {
        if (!t)
          throw new EsRequestError(
            404,
            'resource_not_found_exception',
            `index template matching [${second}] not found`,
          );
        return [200, { index_templates: [{ name: second, index_template: t }] }];
      }
    }
    if (first === undefined || first.startsWith('_'))
      return [400, { error: `no handler found for uri and method [${method}]`, status: 400 }];
    const index = first;
    if (parts.length === 1) {
      const idx = store.indices.get(index);
      if (method === 'HEAD') return [idx ? 200 : 404];
      if (method === 'PUT') {
        if (idx)
          throw new EsRequestError(
            400,
            'resource_already_exists_exception',
            `index [${index}/uuid] already exists`,
            { index },
          );
        const b = parseJsonBody(body);
        store.create(index, { settings: b['settings'], mappings: b['mappings'] });
        return [200, { acknowledged: true, shards_acknowledged: true, index }];
      }
      if (method === 'DELETE') {
        if (!idx) throw notFound(index);
        store.indices.delete(index);
        return [200, { acknowledged: true }];
      }
      if (method === 'GET') {
        if (!idx) throw notFound(index);
        return [200, { [index]: { aliases: {}, mappings: idx.mappings, settings: idx.settings } }];
      }
    }
    if (second === '_bulk' && parts.length === 2 && (method === 'POST' || method === 'PUT'))
      return [200, bulk(body, index)];
    const idx = store.indices.get(index);
    if (second === '_refresh' && parts.length === 2) {
      if (!idx) throw notFound(index);
      return [200, { _shards: { total: 1, successful: 1, failed: 0 } }];
    }
    if (
      second === '_doc' &&
      third !== undefined &&
      parts.length === 3 &&
      (method === 'GET' || method === 'HEAD')
    ) {
      if (!idx) throw notFound(index);
      const doc = idx.docs.get(third);
      if (method === 'HEAD') return [doc ? 200 : 404];
      if (!doc) return [404, { _index: index, _id: third, found: false }];
      return [
        200,
        {
          _index: index,
          _id: third,
          _version: doc.version,
          _seq_no: doc.seqNo,
          _primary_term: 1,
          found: true,
          _source: doc.source,
        },
      ];
    }
    if (second === '_count' && parts.length === 2 && (method === 'GET' || method === 'POST')) {
      if (!idx) throw notFound(index);
      const q = parseJsonBody(body)['query'];
      return [
        200,
        {
          count: selectIds(q, idx.docs.keys()).length,
          _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        },
      ];
    }
    if (second === '_search' && parts.length === 2 && (method === 'GET' || method === 'POST')) {
      if (!idx) throw notFound(index);
      const b = parseJsonBody(body);
      const ids = selectIds(b['query'], idx.docs.keys());
      const from = typeof b['from'] === 'number' ? b['from'] : 0;
      const size = typeof b['size'] === 'number' ? b['size'] : 10;
      const hits = ids.slice(from, from + size).map((id) => {
        const doc = idx.docs.get(id);
        return { _index: index, _id: id, _score: 1, _version: doc?.version, _source: doc?.source };
      });
      return [
        200,
        {
          took: 1,
          timed_out: false,
          _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
          hits: { total: { value: ids.length, relation: 'eq' }, max_score: hits.length > 0 ? 1 : null, hits },
        },
      ];
    }
    return [
      400,
      { error: `no handler found for uri [/${parts.join('/')}] and method [${method}]`, status: 400 },
    ];
  };

  const notFound = (index: string) =>
    new EsRequestError(404, 'index_not_found_exception', `no such index [${index}]`, {
      'resource.type': 'index_or_alias',
      'resource.id': index,
      index,
    });

  const bulk = (body: string, defaultIndex: string | undefined) => {
    const started = Date.now();
    const actions = parseBulk(body, defaultIndex);
    const items: BulkItemResult[] = [];
    let errors = false;
    for (const action of actions) {
      const injected = faults.itemStatus?.(action) ?? null;
      const item = injected !== null ? injectedError(action, injected) : executeAction(store, action);
      // A delete of a missing document answers 404 "not_found" without an error; that is no failure.
      if ((Object.values(item)[0] as { error?: unknown }).error !== undefined) errors = true;
      items.push(item);
    }
    return { took: Date.now() - started, errors, items };
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://es-fake');
      const method = (req.method ?? 'GET').toUpperCase();
      const body = await readBody(req);
      const parts = url.pathname
        .split('/')
        .filter((p) => p !== '')
        .map(decodeURIComponent);
      const record = (status: number) =>
        requests.push({
          method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: { ...req.headers },
          body,
          status,
        });
      if (wantAuth !== null && req.headers['authorization'] !== wantAuth) {
        record(401);
        res.setHeader('www-authenticate', 'Basic realm="security" charset="UTF-8", ApiKey');
        send(
          res,
          401,
          new EsRequestError(
            401,
            'security_exception',
            `unable to authenticate user for REST request [${url.pathname}]`,
          ).body(),
        );
        return;
      }
      const info: FakeRequestInfo = { method, path: url.pathname, body };
      const injected = faults.requestStatus?.(info) ?? null;
      if (injected === 0) {
        record(0);
        req.socket.destroy();
        return;
      }
      if (injected !== null) {
        record(injected);
        send(
          res,
          injected,
          new EsRequestError(injected, errorTypeFor(injected), reasonFor(injected, url.pathname)).body(),
        );
        return;
      }
      let status: number;
      let answer: unknown;
      try {
        [status, answer] = route(method, parts, body);
      } catch (e) {
        if (!(e instanceof EsRequestError)) throw e;
        status = e.status;
        answer = e.body();
      }
      record(status);
      send(res, status, method === 'HEAD' ? undefined : answer);
    })().catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, new EsRequestError(500, 'exception', (e as Error).message).body());
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    docs: (index) => {
      const idx = store.indices.get(index);
      return new Map(
        [...(idx?.docs ?? new Map<string, { source: Source }>())].map(([id, d]) => [id, d.source]),
      );
    },
    count: (index) => store.indices.get(index)?.docs.size ?? 0,
    version: (index, id) => store.indices.get(index)?.currentVersion(id),
    templates: () => store.templates,
    inject: (f) => {
      faults = { ...f };
    },
    requests,
    reset: () => {
      store = new FakeStore();
      faults = {};
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
