import { z } from 'zod';
import { configKeyDocs, renderConnectorDoc, renderConnectorDocs, renderConnectorIndex } from './config-docs';
import { defineConnector } from './define-connector';

const httpSink = defineConnector({
  name: 'http-sink',
  kind: 'sink',
  version: '1.2.0',
  summary: 'POSTs records to an HTTP endpoint.',
  description: 'Each batch is one request.\nRetries 5xx | 429 answers.',
  config: z.strictObject({
    url: z.string().describe('endpoint URL'),
    method: z.enum(['POST', 'PUT']).default('POST').describe('HTTP method'),
    'batch.size': z.number().int().min(1).default(100).describe('records per request'),
    headers: z.record(z.string(), z.string()).optional().describe('extra request headers'),
    auth: z
      .strictObject({
        user: z.string().describe('basic auth user'),
        password: z.string().optional(),
      })
      .optional(),
    ids: z.array(z.union([z.string(), z.number()])).default([]),
    timeout: z.number().nullable().default(null),
    linger: z
      .union([z.number(), z.string()])
      .transform((v) => Number(v))
      .default(250)
      .describe('wait before sending'),
  }),
  example: { url: 'http://localhost:8080/ingest' },
  createTask: () => ({
    start: async () => undefined,
    put: async () => undefined,
    flush: async () => undefined,
    stop: async () => undefined,
  }),
});

describe('config docs', () => {
  it('lists every key with type, default, required and description; nested keys dotted', () => {
    expect(configKeyDocs(httpSink.config)).toEqual([
      { name: 'url', type: 'string', default: null, required: true, description: 'endpoint URL' },
      {
        name: 'method',
        type: '"POST" | "PUT"',
        default: '"POST"',
        required: false,
        description: 'HTTP method',
      },
      {
        name: 'batch.size',
        type: 'integer',
        default: '100',
        required: false,
        description: 'records per request',
      },
      { name: 'headers', type: 'map', default: null, required: false, description: 'extra request headers' },
      { name: 'auth.user', type: 'string', default: null, required: false, description: 'basic auth user' },
      { name: 'auth.password', type: 'string', default: null, required: false, description: '' },
      { name: 'ids', type: '(string | number)[]', default: '[]', required: false, description: '' },
      { name: 'timeout', type: 'number | null', default: 'null', required: false, description: '' },
      {
        name: 'linger',
        type: 'number | string',
        default: '250',
        required: false,
        description: 'wait before sending',
      },
    ]);
  });

  it('renders a markdown page with a table and an example pipeline entry', () => {
    const md = renderConnectorDoc(httpSink);
    expect(md).toContain(
      '# http-sink\n\nSink connector, version 1.2.0. POSTs records to an HTTP endpoint.\n',
    );
    expect(md).toContain('Each batch is one request.\nRetries 5xx | 429 answers.');
    expect(md).toContain('| `url` | string |  | yes | endpoint URL |');
    expect(md).toContain('| `method` | "POST" \\| "PUT" | `"POST"` | no | HTTP method |');
    expect(md).toContain('| `auth.user` | string |  | no | basic auth user |');
    expect(md).toContain(
      '```yaml\nconnectors:\n  - name: my-http-sink\n    type: http-sink\n    topics:\n      - my-topic\n    config:\n      url: http://localhost:8080/ingest\n```\n',
    );
  });

  it('renders an index and one file per connector', () => {
    expect(renderConnectorIndex([])).toContain('No connectors are registered yet.');
    const files = renderConnectorDocs([httpSink]);
    expect([...files.keys()]).toEqual(['http-sink.md', 'README.md']);
    expect(files.get('README.md')).toContain(
      '| [http-sink](http-sink.md) | sink | POSTs records to an HTTP endpoint. |',
    );
    expect(renderConnectorDocs([httpSink])).toEqual(files);
  });
});
