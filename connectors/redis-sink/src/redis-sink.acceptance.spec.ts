import { describeSinkAcceptance } from '@tributary/connect-sdk/acceptance';
import { startRedis, type RedisHandle } from '@tributary/testing';
import { basename } from 'node:path';
import { redisSink } from './index';

// One server for the file; each acceptance test gets its own key prefix from its fresh temp dir.
let server: RedisHandle;
beforeAll(async () => {
  server = await startRedis();
}, 30_000);
afterAll(async () => {
  await server.dispose();
});

const prefix = (dir: string): string => basename(dir);

describeSinkAcceptance(redisSink, {
  config: (dir) => ({
    url: server?.url ?? 'redis://127.0.0.1:6379',
    mode: 'json',
    key: `${prefix(dir)}:{{key}}`,
  }),
  // A key-value store has no output order: read every key under the prefix, ordered by the record id.
  readOutput: async (dir) => {
    const c = server.client();
    try {
      const keys = await c.keys(`${prefix(dir)}:*`);
      const values = keys.length === 0 ? [] : await c.mget(...keys);
      return values.map((v) => JSON.parse(v ?? 'null') as { id: number }).sort((a, b) => a.id - b.id);
    } finally {
      c.disconnect();
    }
  },
  badConfigs: [
    { config: {}, expect: /missing required key "url"/ },
    // A missing enum reads "expected one of ..." (validateConfig only names missing keys of other types).
    { config: { url: 'redis://h:6379' }, expect: /expected one of "hash"/ },
    { config: { url: 'http://h', mode: 'json' }, expect: /redis:\/\// },
    { config: { url: 'redis://h', mode: 'set' }, expect: /hash|json|stream/ },
    { config: { url: 'redis://h', mode: 'json', key: '{{nope}}' }, expect: /unknown placeholder/ },
    { config: { url: 'redis://h', mode: 'json', ttl: 'soon' }, expect: /duration/ },
    { config: { url: 'redis://h', mode: 'json', ttl: 0 }, expect: /positive/ },
    { config: { url: 'redis://h', mode: 'stream', 'stream.maxlen': -1 }, expect: /too small|>0/i },
    { config: { url: 'redis://h', mode: 'bullmq' }, expect: /queue/ },
    { config: { url: 'redis://h', mode: 'bullmq', queue: 'a:b' }, expect: /without ":"/ },
  ],
});
