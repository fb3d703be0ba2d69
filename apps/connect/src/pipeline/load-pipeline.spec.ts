import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPipelineFile, parsePipelineText } from './load-pipeline';
import { parseConnectorEntry } from './parse-connector-entry';
import { PipelineError } from './pipeline-error';
import { specFingerprint } from './spec-fingerprint';
import { demoRegistry } from './testing/demo-connectors';

const EXAMPLE = `worker:
  bootstrap: \${KAFKA:-127.0.0.1:9092}
broker: { num.partitions: 3 }
connectors:
  - name: app-logs
    type: file-source
    config: { paths: ["/var/log/app/*.log"], format: json, topic: app-logs }
    transforms:
      - { type: filter, if: { field: level, equals: debug }, drop: true }
    errors: { tolerance: all, retry.timeout: 30s, retry.delay.max: 5s, dlq.topic: app-logs-dlq, dlq.context.headers: true, log: true }
    restart: { auto: true, initial.delay: 1s, max.delay: 60s, max.attempts: 0 }
    tasks.max: 1
    converter: { key: json, value: json }
    stall.timeout: 60s
    state: RUNNING
  - name: archive
    type: file-sink
    topics: [app-logs]
    config: { path: ./out/app-logs.jsonl }
`;

describe('loadPipelineFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pipeline-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('parses the documented example from a file', () => {
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, EXAMPLE);
    const p = loadPipelineFile(file, demoRegistry, {});
    expect(p.path).toBe(file);
    expect(p.worker).toEqual({ bootstrap: ['127.0.0.1:9092'] });
    expect(p.broker).toEqual({ 'num.partitions': 3 });
    expect(p.connectors.map((c) => c.name)).toEqual(['app-logs', 'archive']);
    const [source, sink] = p.connectors;
    expect(source).toEqual({
      name: 'app-logs',
      type: 'file-source',
      kind: 'source',
      topics: [],
      topicsRegex: null,
      config: { paths: ['/var/log/app/*.log'], format: 'json', topic: 'app-logs', 'poll.interval': 1000 },
      transforms: [{ type: 'filter', options: { if: { field: 'level', equals: 'debug' }, drop: true } }],
      errors: {
        tolerance: 'all',
        retryTimeoutMs: 30_000,
        retryDelayMaxMs: 5_000,
        dlqTopic: 'app-logs-dlq',
        dlqContextHeaders: true,
        log: true,
      },
      restart: { auto: true, initialDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: 0 },
      tasksMax: 1,
      converter: { key: 'json', value: 'json' },
      stallTimeoutMs: 60_000,
      initialState: 'RUNNING',
      origin: { file, line: 5 },
    });
    expect(sink?.kind).toBe('sink');
    expect(sink?.topics).toEqual(['app-logs']);
    expect(sink?.config).toEqual({ path: './out/app-logs.jsonl', 'fsync.every': 1 });
    expect(sink?.origin).toEqual({ file, line: 16 });
  });

  it('applies the documented defaults', () => {
    const text =
      'connectors:\n  - name: a\n    type: file-sink\n    topics.regex: "app-.*"\n    config: { path: out.jsonl }\n';
    const [spec] = parsePipelineText(text, 'p.yaml', demoRegistry, {}).connectors;
    expect(spec).toMatchObject({
      topics: [],
      topicsRegex: 'app-.*',
      transforms: [],
      errors: {
        tolerance: 'none',
        retryTimeoutMs: 0,
        retryDelayMaxMs: 60_000,
        dlqTopic: null,
        dlqContextHeaders: true,
        log: true,
      },
      restart: { auto: true, initialDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: 0 },
      tasksMax: 1,
      converter: { key: 'json', value: 'json' },
      stallTimeoutMs: 60_000,
      initialState: 'RUNNING',
    });
  });

  it('reads every worker setting, bootstrap as a string or a list', () => {
    const text = `worker:
  bootstrap: "a:9092, b:9093"
  rest.host: 0.0.0.0
  rest.port: 8083
  offsets.topic: o
  configs.topic: c
  status.topic: s
  replication.factor: 3
  group.prefix: connect-
  offset.flush.interval: 10s
connectors: []
`;
    expect(parsePipelineText(text, 'p.yaml', demoRegistry, {}).worker).toEqual({
      bootstrap: ['a:9092', 'b:9093'],
      restHost: '0.0.0.0',
      restPort: 8083,
      offsetsTopic: 'o',
      configsTopic: 'c',
      statusTopic: 's',
      replicationFactor: 3,
      groupPrefix: 'connect-',
      offsetFlushIntervalMs: 10_000,
    });
    const list = 'worker: { bootstrap: [x:1, y:2] }\nconnectors: []\n';
    expect(parsePipelineText(list, 'p.yaml', demoRegistry, {}).worker.bootstrap).toEqual(['x:1', 'y:2']);
  });

  it('reports an unreadable file as a problem of the whole file', () => {
    const missing = join(dir, 'nope.yaml');
    let err: unknown;
    try {
      loadPipelineFile(missing, demoRegistry, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PipelineError);
    const p = err as PipelineError;
    expect(p.pipelineProblems).toHaveLength(1);
    expect(p.problems[0]).toMatch(new RegExp(`^${missing}: cannot read pipeline file: ENOENT`));
  });
});

describe('interpolation', () => {
  const file = (value: string) =>
    `worker:\n  rest.port: ${value}\nconnectors:\n  - name: a\n    type: file-sink\n    topics: [t]\n    config:\n      path: "\${DIR:-/tmp}/out-\${NAME}.jsonl"\n`;

  it('substitutes variables and defaults in every string, typing unquoted numbers', () => {
    const p = parsePipelineText(file('${PORT:-8083}'), 'p.yaml', demoRegistry, { NAME: 'x' });
    expect(p.worker.restPort).toBe(8083);
    expect(p.connectors[0]?.config['path']).toBe('/tmp/out-x.jsonl');
    const q = parsePipelineText(file('${PORT}'), 'p.yaml', demoRegistry, {
      NAME: 'x',
      PORT: '9000',
      DIR: '/d',
    });
    expect(q.worker.restPort).toBe(9000);
    expect(q.connectors[0]?.config['path']).toBe('/d/out-x.jsonl');
  });

  it('keeps quoted values strings and unescapes $${', () => {
    const text =
      'connectors:\n  - name: a\n    type: file-sink\n    topics: ["${T}"]\n    config: { path: "$${HOME}/x" }\n';
    const p = parsePipelineText(text, 'p.yaml', demoRegistry, { T: '123' });
    expect(p.connectors[0]?.topics).toEqual(['123']);
    expect(p.connectors[0]?.config['path']).toBe('${HOME}/x');
  });
});

describe('specFingerprint', () => {
  it('ignores where a connector was declared and changes with anything else', () => {
    const a = parsePipelineText(EXAMPLE, 'p.yaml', demoRegistry, {}).connectors;
    const moved = EXAMPLE.replace('connectors:\n', 'connectors:\n\n\n');
    const b = parsePipelineText(moved, 'p.yaml', demoRegistry, {}).connectors;
    expect(a[0]?.origin).not.toEqual(b[0]?.origin);
    expect(a.map(specFingerprint)).toEqual(b.map(specFingerprint));
    const changed = EXAMPLE.replace('tasks.max: 1', 'tasks.max: 2');
    const c = parsePipelineText(changed, 'p.yaml', demoRegistry, {}).connectors;
    expect(specFingerprint(c[0]!)).not.toBe(specFingerprint(a[0]!));
    expect(specFingerprint(c[1]!)).toBe(specFingerprint(a[1]!));
  });
});

describe('parseConnectorEntry', () => {
  it('validates a REST entry with the file rules, literally and without lines', () => {
    const spec = parseConnectorEntry(
      'out',
      { type: 'file-sink', topics: ['t'], config: { path: '${NOT_EXPANDED}' } },
      demoRegistry,
    );
    expect(spec).toMatchObject({
      name: 'out',
      kind: 'sink',
      config: { path: '${NOT_EXPANDED}' },
      origin: { rest: true },
    });
    let err: unknown;
    try {
      parseConnectorEntry('bad name', { type: 'file-sink', config: { pth: 'x' }, tasks: 2 }, demoRegistry);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).problems).toEqual([
      expect.stringMatching(/^rest:bad name: name: connector name must match/),
      expect.stringMatching(
        /^rest:bad name: tasks: unknown key "tasks"; settings are written as dotted keys, e.g. "tasks.max"/,
      ),
      'rest:bad name: config.path: missing required key "path" (string)',
      expect.stringMatching(/^rest:bad name: config.pth: unknown key "pth"; did you mean "path"\?/),
    ]);
  });
});
