import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import {
  builtCliPath,
  describeRun,
  freePort,
  makeTempDir,
  removeDir,
  runCmd,
  sleep,
  startBroker,
  startConnectWorkerProcess,
  type BrokerHandle,
  type RunResult,
} from '@tributary/testing';

jest.setTimeout(60_000);

const INTERNAL_TOPICS = [
  '_tributary-connect-offsets',
  '_tributary-connect-configs',
  '_tributary-connect-status',
];

interface BadCase {
  name: string;
  /** The pipeline file; `${topic}` is the source topic it would write (it must never be created). */
  text: (topic: string) => string;
  env?: Record<string, string>;
  /** Where the problem is reported and what it says. */
  line: number;
  col: number;
  key: string | null;
  message: RegExp;
}

const source = (topic: string, extra = ''): string =>
  [
    'connectors:',
    '  - name: a',
    '    type: file-source',
    '    config:',
    '      paths: ["/tmp/tributary-bad-config-never-read/*.log"]',
    `      topic: ${topic}`,
    extra,
  ].join('\n');

const CASES: BadCase[] = [
  {
    name: 'YAML syntax error',
    text: (t) =>
      [
        'connectors:',
        '  - name: a',
        '    type: file-source',
        '    config:',
        '      paths: ["/tmp/x/*.log"]',
        `     topic: ${t}`,
        '',
      ].join('\n'),
    line: 6,
    col: 6,
    key: null,
    message: /^All mapping items must start at the same column$/,
  },
  {
    name: 'unknown key in the connector entry',
    text: (t) => source(t, '    tasks.maxx: 2\n'),
    line: 7,
    col: 5,
    key: 'connectors[0].tasks.maxx',
    message: /^unknown key "tasks\.maxx"; did you mean "tasks\.max"\? \(known keys: .*tasks\.max/,
  },
  {
    name: 'unknown key in the connector config',
    text: (t) => source(t, '      poll.intreval: 1s\n'),
    line: 7,
    col: 7,
    key: 'connectors[0].config.poll.intreval',
    message: /^unknown key "poll\.intreval"; did you mean "poll\.interval"\?/,
  },
  {
    name: 'wrong type',
    text: (t) => source(t, '      batch.size: lots\n'),
    line: 7,
    col: 19,
    key: 'connectors[0].config.batch.size',
    message: /^expected number, received string$/,
  },
  {
    name: 'unknown connector type',
    text: (t) => source(t).replace('type: file-source', 'type: file-sauce'),
    line: 3,
    col: 11,
    key: 'connectors[0].type',
    message:
      /^unknown connector type "file-sauce"; did you mean "file-source"\? \(registered types: .*file-sink/,
  },
  {
    name: 'missing environment variable',
    text: () => source('${BAD_CONFIG_TOPIC}'),
    line: 6,
    col: 14,
    key: 'connectors[0].config.topic',
    message:
      /^environment variable BAD_CONFIG_TOPIC is not set; set it \(export BAD_CONFIG_TOPIC=\.\.\.\) or give a default/,
  },
  {
    // The default is only a fallback: a set variable is substituted, and then checked like any value.
    name: 'environment variable with a default, set to a bad value',
    text: (t) => source(t, '    tasks.max: ${BAD_CONFIG_TASKS:-2}\n'),
    env: { BAD_CONFIG_TASKS: 'two' },
    line: 7,
    col: 16,
    key: 'connectors[0].tasks.max',
    message: /^expected number, received string$/,
  },
  {
    name: 'duplicate connector name',
    text: (t) =>
      [
        'connectors:',
        '  - name: a',
        '    type: file-source',
        `    config: { paths: ["/tmp/x/*.log"], topic: ${t} }`,
        '  - name: a',
        '    type: file-source',
        `    config: { paths: ["/tmp/y/*.log"], topic: ${t}-2 }`,
        '',
      ].join('\n'),
    line: 5,
    col: 11,
    key: 'connectors[1].name',
    message: /^duplicate connector name "a" \(first declared at line 2\)$/,
  },
];

/**
 * Bad pipeline files through the real CLI: `tributary validate` locates each problem (file:line:col, key path)
 * and exits non-zero; `tributary connect` refuses to start (exit 2) before it touches the cluster.
 */
describe('connect: bad pipeline files', () => {
  let broker: BrokerHandle;
  let kafka: Kafka;
  let admin: Admin;
  let dir: string;

  beforeAll(async () => {
    broker = await startBroker();
    kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    dir = makeTempDir('tributary-bad-config-');
  });
  afterAll(async () => {
    await admin?.disconnect();
    await broker?.dispose();
    if (dir) removeDir(dir);
  });

  /** The environment without any variable the cases use, plus `extra`. */
  const envWith = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env = { ...process.env, ...extra };
    for (const k of Object.keys(env)) if (k.startsWith('BAD_CONFIG_') && !(k in extra)) delete env[k];
    return env;
  };
  const cli = (args: string[], env?: Record<string, string>): Promise<RunResult> =>
    runCmd(process.execPath, [builtCliPath(), ...args], { env: envWith(env), timeoutMs: 30_000 });

  const slug = (name: string): string => name.replace(/[^a-z]+/g, '-');

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const topic = `bad-config-${slug(c.name)}`;
    const file = join(dir, `${slug(c.name)}.yaml`);
    writeFileSync(file, c.text(topic));
    const located = `${file}:${c.line}:${c.col}: ${c.key === null ? '' : `${c.key}: `}`;

    const v = await cli(['validate', file], c.env);
    expect(v.code).toBe(1);
    expect(v.stdout).toBe('');
    const vLines = v.stderr.trimEnd().split('\n');
    expect(vLines).toHaveLength(1);
    expect(vLines[0]!.startsWith(located)).toBe(true);
    expect(vLines[0]!.slice(located.length)).toMatch(c.message);
    expect(v.stderr).not.toMatch(/\n\s+at /);

    const port = await freePort();
    const r = await cli(
      ['connect', '--bootstrap', broker.bootstrap, '--connect-port', String(port), file],
      c.env,
    );
    if (r.code !== 2) throw new Error(describeRun('tributary connect', r));
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`invalid pipeline file ${file} (1 problem):\n  ${vLines[0]}\n`);
    expect(r.stderr).toContain('tributary: not starting any connector; fix the problems above');
    expect(r.stderr).not.toMatch(/\n\s+at /);

    // Nothing reached the cluster: no internal topics, no source topic, no sink group.
    const topics = await admin.listTopics();
    expect(topics.filter((t) => t.startsWith('_tributary-connect-') || t.startsWith(topic))).toEqual([]);
    expect((await admin.listGroups()).groups).toEqual([]);
  });

  it('validate says ok for a valid file, with ${VAR:-default} falling back to its default', async () => {
    const topic = 'bad-config-valid';
    const file = join(dir, 'valid.yaml');
    writeFileSync(file, source(topic, '    tasks.max: ${BAD_CONFIG_TASKS:-2}\n'));
    const r = await cli(['validate', file]);
    if (r.code !== 0) throw new Error(describeRun('tributary validate', r));
    expect(r.stdout).toBe(`ok: ${file}: 1 connector (a)\n`);
    expect(r.stderr).toBe('');

    // Several files at once: each is reported, and one bad file makes the exit code non-zero.
    const bad = join(dir, 'valid-and-bad.yaml');
    writeFileSync(bad, source('${BAD_CONFIG_TOPIC}'));
    const both = await cli(['validate', file, bad]);
    expect(both.code).toBe(1);
    expect(both.stdout).toBe(`ok: ${file}: 1 connector (a)\n`);
    expect(both.stderr).toContain(`${bad}:6:14: connectors[0].config.topic: environment variable`);

    // The control for the "nothing reached the cluster" checks above: the same file, valid, does create them.
    const worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [file] });
    try {
      // The default made it into the running connector's config.
      const config = (await (await fetch(`${worker.url}/connectors/a/config`)).json()) as Record<
        string,
        unknown
      >;
      expect(config['tasks.max']).toBe(2);
      const deadline = Date.now() + 10_000;
      let topics = await admin.listTopics();
      while (!INTERNAL_TOPICS.every((t) => topics.includes(t)) && Date.now() < deadline) {
        await sleep(200);
        topics = await admin.listTopics();
      }
      expect(topics).toEqual(expect.arrayContaining(INTERNAL_TOPICS));
    } finally {
      await worker.dispose();
    }
  });
});
