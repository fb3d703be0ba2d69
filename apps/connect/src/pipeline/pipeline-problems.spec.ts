import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineProblem } from './connector-spec';
import { loadPipelineFile, parsePipelineText } from './load-pipeline';
import { formatProblems, PipelineError } from './pipeline-error';
import { demoRegistry } from './testing/demo-connectors';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-problems-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` to a real file, loads it, and returns the problems it must have. */
function problemsOf(
  text: string,
  env: Record<string, string> = {},
): { file: string; problems: PipelineProblem[] } {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  try {
    loadPipelineFile(file, demoRegistry, env);
  } catch (e) {
    if (!(e instanceof PipelineError)) throw e;
    expect(e.problems).toEqual(formatProblems(e.pipelineProblems));
    return { file, problems: [...e.pipelineProblems] };
  }
  throw new Error('expected the file to be rejected');
}

const sink = (extra: string) =>
  `connectors:\n  - name: out\n    type: file-sink\n    topics: [t]\n    config: { path: o.jsonl }\n${extra}`;

describe('pipeline file problems', () => {
  it('YAML syntax error', () => {
    const { file, problems } = problemsOf('connectors:\n  - name: a\n   type: [unclosed\n');
    expect(problems[0]).toMatchObject({ file, line: 3 });
    expect(formatProblems(problems)[0]).toMatch(new RegExp(`^${file}:3:\\d+: `));
  });

  it('YAML indentation error points at the misplaced key, not at the start of its line', () => {
    const { problems } = problemsOf(
      'connectors:\n  - name: a\n    type: file-source\n    config:\n      paths: [x]\n     topic: t\n',
    );
    expect(problems[0]).toMatchObject({ line: 6, col: 6, message: expect.stringMatching(/same column/) });
  });

  it('hints at quoting ${VAR} inside flow mappings', () => {
    const { problems } = problemsOf(
      'connectors:\n  - { name: a, type: file-sink, config: { path: ${P} } }\n',
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]?.line).toBe(2);
    expect(problems[0]?.message).toContain('quote values that use ${...}');
  });

  it('duplicate YAML keys', () => {
    const { problems } = problemsOf('connectors: []\nworker: {}\nconnectors: []\n');
    expect(problems).toEqual([
      expect.objectContaining({ line: 3, col: 1, message: expect.stringMatching(/unique/) }),
    ]);
  });

  it('unknown key at connector level, with a suggestion', () => {
    const { file, problems } = problemsOf(sink('    tasks.mx: 2\n'));
    expect(formatProblems(problems)).toEqual([
      `${file}:6:5: connectors[0].tasks.mx: unknown key "tasks.mx"; did you mean "tasks.max"? (known keys: name, type, topics, topics.regex, config, transforms, errors, restart, tasks.max, converter, stall.timeout, state)`,
    ]);
  });

  it('unknown keys in errors, restart, worker, top level and transform options', () => {
    const text = `workers: {}
worker: { rest.prot: 1 }
connectors:
  - name: out
    type: file-sink
    topics: [t]
    config: { path: o.jsonl }
    errors: { tolerence: all }
    restart: { max.attempt: 3 }
    transforms:
      - { type: mask, feilds: [a] }
`;
    const { problems } = problemsOf(text);
    const got = problems.map((p) => [p.line, p.col, p.key, p.message.replace(/ \(known keys.*$/, '')]);
    expect(got).toEqual([
      [1, 1, 'workers', 'unknown key "workers"; did you mean "worker"?'],
      [2, 11, 'worker.rest.prot', 'unknown key "rest.prot"; did you mean "rest.port"?'],
      [8, 15, 'connectors[0].errors.tolerence', 'unknown key "tolerence"; did you mean "tolerance"?'],
      [9, 16, 'connectors[0].restart.max.attempt', 'unknown key "max.attempt"; did you mean "max.attempts"?'],
      [11, 9, 'connectors[0].transforms[0].fields', 'missing required key "fields"'],
      [11, 23, 'connectors[0].transforms[0].feilds', 'unknown key "feilds"; did you mean "fields"?'],
    ]);
  });

  it('unknown key in the plugin config, through the connector spec', () => {
    const text =
      'connectors:\n  - name: out\n    type: file-sink\n    topics: [t]\n    config:\n      path: o\n      fsync.evry: 2\n';
    const { file, problems } = problemsOf(text);
    expect(formatProblems(problems)).toEqual([
      `${file}:7:7: connectors[0].config.fsync.evry: unknown key "fsync.evry"; did you mean "fsync.every"? (known keys: path, fsync.every)`,
    ]);
  });

  it('nested mapping where a dotted key is expected', () => {
    const { problems } = problemsOf(sink('    errors:\n      retry: { timeout: 5s }\n'));
    expect(problems[0]).toMatchObject({ line: 7, col: 7, key: 'connectors[0].errors.retry' });
    expect(problems[0]?.message).toContain('dotted keys, e.g. "retry.timeout"');
  });

  it('wrong types', () => {
    const text = sink(
      '    tasks.max: many\n    stall.timeout: soon\n    state: running\n    errors: { log: 3 }\n',
    );
    const { problems } = problemsOf(text);
    expect(problems.map((p) => [p.line, p.col, p.key, p.message])).toEqual([
      [6, 16, 'connectors[0].tasks.max', 'expected number, received string'],
      [7, 20, 'connectors[0].stall.timeout', expect.stringContaining('"soon" is not a duration')],
      [8, 12, 'connectors[0].state', 'expected one of "RUNNING"|"PAUSED"|"STOPPED"'],
      [9, 20, 'connectors[0].errors.log', 'expected boolean, received number'],
    ]);
  });

  it('wrong type in the plugin config', () => {
    const text = 'connectors:\n  - name: in\n    type: file-source\n    config: { paths: x.log, topic: t }\n';
    const { problems } = problemsOf(text);
    expect(problems).toEqual([
      expect.objectContaining({
        line: 4,
        col: 22,
        key: 'connectors[0].config.paths',
        message: expect.stringContaining('expected array'),
      }),
    ]);
  });

  it('missing required plugin key points at the config mapping', () => {
    const text = 'connectors:\n  - name: in\n    type: file-source\n    config:\n      paths: [a]\n';
    const { problems } = problemsOf(text);
    expect(problems).toEqual([
      expect.objectContaining({
        line: 5,
        col: 7,
        key: 'connectors[0].config.topic',
        message: 'missing required key "topic" (string)',
      }),
    ]);
  });

  it('unknown connector type suggests the nearest and lists the registered ones', () => {
    const { file, problems } = problemsOf('connectors:\n  - name: a\n    type: file-sorce\n    config: {}\n');
    expect(formatProblems(problems)).toEqual([
      `${file}:3:11: connectors[0].type: unknown connector type "file-sorce"; did you mean "file-source"? (registered types: file-source, file-sink)`,
    ]);
  });

  it('unknown transform type suggests the nearest', () => {
    const { problems } = problemsOf(sink('    transforms:\n      - type: fliter\n'));
    expect(problems[0]).toMatchObject({ line: 7, col: 15, key: 'connectors[0].transforms[0].type' });
    expect(problems[0]?.message).toMatch(/^unknown transform type "fliter"; did you mean "filter"\?/);
  });

  it('invalid transform options and predicates are located', () => {
    const text = sink(`    transforms:
      - type: filter
        if: { any: [ { field: a, equals: 1 }, { field: b, matches: "(" } ] }
      - { type: route, regex: x }
      - { type: insert-field, field: f, value: 1, from: topic }
`);
    const { problems } = problemsOf(text);
    expect(problems.map((p) => [p.line, p.key])).toEqual([
      [8, 'connectors[0].transforms[0].if.any[1].matches'],
      [9, 'connectors[0].transforms[1].replacement'],
      [10, 'connectors[0].transforms[2]'],
    ]);
    expect(problems[0]?.message).toMatch(/invalid regular expression/);
    expect(problems[0]?.col).toBe(68);
    expect(problems[2]?.message).toMatch(/exactly one of "value" or "from"/);
  });

  it('missing environment variable names it and says how to fix it', () => {
    const text =
      'connectors:\n  - name: out\n    type: file-sink\n    topics: [t]\n    config:\n      path: ${OUT_DIR}/x\n';
    const { file, problems } = problemsOf(text);
    expect(formatProblems(problems)).toEqual([
      `${file}:6:13: connectors[0].config.path: environment variable OUT_DIR is not set; set it (export OUT_DIR=...) or give a default: \${OUT_DIR:-value}`,
    ]);
    expect(() => parsePipelineText(text, file, demoRegistry, { OUT_DIR: '/o' })).not.toThrow();
  });

  it('a missing variable in a typed field reports only the variable', () => {
    const { problems } = problemsOf(sink('    tasks.max: ${TASKS}\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 6, col: 16, key: 'connectors[0].tasks.max' });
    expect(problems[0]?.message).toMatch(/TASKS is not set/);
  });

  it('malformed interpolation', () => {
    const { problems } = problemsOf(sink('    stall.timeout: "${1x}"\n'));
    expect(problems[0]).toMatchObject({ line: 6, col: 20 });
    expect(problems[0]?.message).toMatch(/not a variable reference/);
  });

  it('duplicate connector name points at the second and names the first line', () => {
    const text = sink('  - name: out\n    type: file-sink\n    topics: [u]\n    config: { path: p }\n');
    const { file, problems } = problemsOf(text);
    expect(formatProblems(problems)).toEqual([
      `${file}:6:11: connectors[1].name: duplicate connector name "out" (first declared at line 2)`,
    ]);
  });

  it('missing connectors', () => {
    const { file, problems } = problemsOf('worker:\n  rest.port: 8083\n');
    expect(formatProblems(problems)).toEqual([`${file}:1:1: connectors: missing required key "connectors"`]);
  });

  it('empty file', () => {
    const { problems } = problemsOf('');
    expect(problems).toEqual([expect.objectContaining({ line: 1, col: 1, key: 'connectors' })]);
  });

  it('empty connector name', () => {
    const { problems } = problemsOf(
      'connectors:\n  - name: ""\n    type: file-sink\n    topics: [t]\n    config: { path: p }\n',
    );
    expect(problems).toEqual([
      expect.objectContaining({
        line: 2,
        col: 11,
        key: 'connectors[0].name',
        message: 'connector name must not be empty',
      }),
    ]);
  });

  it('connector names must match the name pattern', () => {
    const { problems } = problemsOf(
      'connectors:\n  - name: -bad name\n    type: file-sink\n    topics: [t]\n    config: { path: p }\n',
    );
    expect(problems).toEqual([
      expect.objectContaining({
        line: 2,
        col: 11,
        key: 'connectors[0].name',
        message: expect.stringContaining('^[A-Za-z0-9][A-Za-z0-9._-]*$'),
      }),
    ]);
  });

  it('dlq.topic needs tolerance all', () => {
    const { problems } = problemsOf(sink('    errors: { dlq.topic: dlq }\n'));
    expect(problems).toEqual([
      expect.objectContaining({
        line: 6,
        col: 26,
        key: 'connectors[0].errors.dlq.topic',
        message: expect.stringContaining('dlq.topic needs tolerance: all'),
      }),
    ]);
  });

  it('sinks need exactly one of topics and topics.regex; sources take neither', () => {
    const text = `connectors:
  - name: s1
    type: file-sink
    config: { path: p }
  - name: s2
    type: file-sink
    topics: [a]
    topics.regex: "a.*"
    config: { path: p }
  - name: src
    type: file-source
    topics: [a]
    config: { paths: [x], topic: t }
`;
    const { problems } = problemsOf(text);
    expect(problems.map((p) => [p.line, p.col, p.key])).toEqual([
      [2, 5, 'connectors[0]'],
      [8, 19, 'connectors[1].topics.regex'],
      [12, 13, 'connectors[2].topics'],
    ]);
    expect(problems[0]?.message).toMatch(/needs topics/);
    expect(problems[2]?.message).toMatch(/topics is for sink connectors/);
  });

  it('reports every problem of a file at once, in file order', () => {
    const text = `connectors:
  - name: a
    type: file-sorce
    tasks.mx: 1
  - name: a
    type: file-sink
    topics: [t]
    config: { pth: x }
`;
    const { problems } = problemsOf(text);
    expect(problems.map((p) => p.key)).toEqual([
      'connectors[0].type',
      'connectors[0].tasks.mx',
      'connectors[1].name',
      'connectors[1].config.path',
      'connectors[1].config.pth',
    ]);
  });
});
