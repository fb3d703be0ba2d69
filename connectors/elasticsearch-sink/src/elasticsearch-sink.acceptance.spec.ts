import { describeSinkAcceptance } from '@tributary/connect-sdk/acceptance';
import { basename } from 'node:path';
import { elasticsearchSink } from './index';
import { readIndex, startTarget, type EsTarget } from './test-support';

let target: EsTarget | null = null;
beforeAll(async () => {
  target = await startTarget();
});
afterAll(async () => {
  await target?.close();
});

/** One index per test: the suite gives each test its own directory. */
const indexFor = (dir: string) => `acceptance-${basename(dir)}`.toLowerCase();

describeSinkAcceptance(elasticsearchSink, {
  config: (dir) => ({ node: target?.url ?? 'http://127.0.0.1:9200', index: indexFor(dir) }),
  readOutput: async (dir) => {
    if (!target) return [];
    const docs = await readIndex(target.client, indexFor(dir));
    // ES has no order of its own; the acceptance records carry their sequence in `id`.
    return [...docs.values()].sort((a, b) => Number(a['id']) - Number(b['id']));
  },
  badConfigs: [
    { config: {}, expect: /missing required key "node"/ },
    { config: { node: 'es:9200' }, expect: /http:\/\/ or https:\/\/ URL/ },
    { config: { node: [] }, expect: /too small|>=1/i },
    { config: { node: 'http://es:9200', 'write.method': 'insert' }, expect: /index.*upsert/ },
    { config: { node: 'http://es:9200', index: 'cdc-{{table}}' }, expect: /placeholders \{\{topic\}\}/ },
    {
      config: { node: 'http://es:9200', 'write.method': 'upsert', 'version.source': 'lsn' },
      expect: /upsert cannot use external versions/,
    },
    { config: { node: 'http://es:9200', 'retry.backoff': 'soon' }, expect: /not a duration/ },
    { config: { node: 'http://es:9200', 'retry.backoff': '20s' }, expect: /retry.backoff.max/ },
    { config: { node: 'http://es:9200', 'batch.size': 0 }, expect: />=1|too small/i },
    { config: { node: 'http://es:9200', auth: { username: 'u' } }, expect: /password|api\.key|invalid/i },
    {
      config: { node: 'http://es:9200', 'index.template': { mapping: {} } },
      expect: /did you mean "mappings"/,
    },
  ],
});
