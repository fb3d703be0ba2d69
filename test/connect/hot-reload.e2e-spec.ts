import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import {
  makeTempDir,
  removeDir,
  startBroker,
  startConnectWorkerProcess,
  type BrokerHandle,
  type ConnectWorkerHandle,
} from '@tributary/testing';
import {
  appendLines,
  expectTopicStays,
  http,
  kafkaClient,
  logRecords,
  statusOf,
  topicValues,
  waitFor,
  waitForState,
  waitForTopic,
  type ErrorBody,
} from './connect-http';

jest.setTimeout(60_000);

/**
 * Hot reload of a pipeline file by a real `tributary connect` process: the test edits the file on disk the way
 * editors save (write a temp file, rename over) and watches the worker through REST, the topics and its log.
 * Each test gets its own broker, so connector names and stored offsets never leak between tests.
 */
describe('connect hot reload of a pipeline file (real worker process)', () => {
  let broker: BrokerHandle;
  let worker: ConnectWorkerHandle | null = null;
  let kafka: Kafka;
  let dir: string;
  let pipelinePath: string;

  const logPath = (name: string) => join(dir, 'logs', `${name}.log`);
  const source = (name: string, topic: string, extra = '') =>
    [
      `  - name: ${name}`,
      '    type: file-source',
      `    config: { paths: ["${logPath(name)}"], topic: ${topic}, poll.interval: 50ms${extra} }`,
    ].join('\n');
  /** Saves the pipeline file as editors do: write beside it, then rename over it. */
  const savePipeline = (...lines: string[]) => {
    const tmp = `${pipelinePath}.tmp`;
    writeFileSync(tmp, ['connectors:', ...lines, ''].join('\n'));
    renameSync(tmp, pipelinePath);
  };
  const names = async () => (await http<string[]>('GET', `${worker!.url}/connectors`)).body;
  const topicOf = async (name: string) =>
    (await http<{ config: { topic: string } }>('GET', `${worker!.url}/connectors/${name}/config`)).body.config
      .topic;
  /** The worker's log records with this message, for the given connector when one is named. */
  const logged = (msg: string, connector?: string) =>
    logRecords(worker!.logs(), msg).filter((r) => connector === undefined || r['connector'] === connector);

  beforeEach(async () => {
    broker = await startBroker({ config: { 'num.partitions': 1 } });
    kafka = kafkaClient(broker.bootstrap);
    dir = makeTempDir('tributary-connect-reload-');
    mkdirSync(join(dir, 'logs'));
    pipelinePath = join(dir, 'pipeline.yaml');
  });

  afterEach(async () => {
    await worker?.dispose();
    worker = null;
    await broker.dispose();
    removeDir(dir);
  });

  it('applies an edit: unchanged connectors keep running, a changed one restarts with its new config, a new one starts, a removed one stops', async () => {
    appendLines(logPath('keep'), ['k1', 'k2']);
    appendLines(logPath('change'), ['c1']);
    appendLines(logPath('gone'), ['g1']);
    appendLines(logPath('fresh'), ['f1']);
    savePipeline(source('keep', 'keep-lines'), source('change', 'change-a'), source('gone', 'gone-lines'));
    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [pipelinePath] });
    const url = worker.url;
    expect(await names()).toEqual(['change', 'gone', 'keep']);
    await waitForTopic(kafka, 'keep-lines', ['k1', 'k2']);
    await waitForTopic(kafka, 'change-a', ['c1']);
    await waitForTopic(kafka, 'gone-lines', ['g1']);
    expect(logged('connector started', 'keep')).toHaveLength(1);
    // Paused over REST before it is removed: removing it must forget that too (checked when it comes back).
    expect((await http('PUT', `${url}/connectors/gone/pause`)).status).toBe(202);
    await waitForState(url, 'gone', 'PAUSED');

    savePipeline(source('keep', 'keep-lines'), source('change', 'change-b'), source('fresh', 'fresh-lines'));
    await waitFor(
      'the reloaded connector list',
      names,
      (n) => JSON.stringify(n) === '["change","fresh","keep"]',
    );
    await waitFor(
      'the reload to finish',
      () => logged('pipeline file reloaded'),
      (r) => r.length === 1,
    );

    // Removed: gone from the API and no longer reading its file.
    const gone = await http<ErrorBody>('GET', `${url}/connectors/gone`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error_code: 404, message: expect.stringContaining('gone') });
    expect(logged('removed from the pipeline file; stopping', 'gone')).toHaveLength(1);

    // New: started and delivering.
    await waitForState(url, 'fresh', 'RUNNING');
    await waitForTopic(kafka, 'fresh-lines', ['f1']);

    // Changed: restarted with the new topic, continuing from its stored offset (c1 is not read again).
    expect(await topicOf('change')).toBe('change-b');
    expect(logged('config changed; restarting', 'change')).toHaveLength(1);
    await waitForState(url, 'change', 'RUNNING');
    appendLines(logPath('change'), ['c2']);
    await waitForTopic(kafka, 'change-b', ['c2']);

    // Unchanged: never restarted, and nothing read twice.
    expect(logged('connector started', 'keep')).toHaveLength(1);
    expect(logged('config changed; restarting', 'keep')).toHaveLength(0);
    const keep = await statusOf(url, 'keep');
    expect(keep.connector.state).toBe('RUNNING');
    expect(keep.tasks).toEqual([expect.objectContaining({ id: 0, state: 'RUNNING', restarts: 0 })]);
    appendLines(logPath('keep'), ['k3']);
    await waitForTopic(kafka, 'keep-lines', ['k1', 'k2', 'k3']);

    appendLines(logPath('gone'), ['g2']);
    await expectTopicStays(kafka, 'gone-lines', ['g1']);
    expect(await topicValues(kafka, 'change-a')).toEqual(['c1']);
    expect(await topicValues(kafka, 'keep-lines')).toEqual(['k1', 'k2', 'k3']);

    // Added back: a new connector again, RUNNING as its entry says, continuing from its stored offset.
    savePipeline(
      source('keep', 'keep-lines'),
      source('change', 'change-b'),
      source('fresh', 'fresh-lines'),
      source('gone', 'gone-lines'),
    );
    await waitFor('gone to be back', names, (n) => n.includes('gone'));
    await waitForState(url, 'gone', 'RUNNING');
    await waitForTopic(kafka, 'gone-lines', ['g1', 'g2']);
    expect((await statusOf(url, 'keep')).tasks[0]).toMatchObject({ state: 'RUNNING', restarts: 0 });
    expect(logged('connector started', 'keep')).toHaveLength(1);
  });

  it('a bad edit (YAML syntax error, unknown key) keeps the last good config running; fixing the file applies it', async () => {
    appendLines(logPath('keep'), ['k1']);
    appendLines(logPath('change'), ['c1']);
    savePipeline(source('keep', 'keep-lines'), source('change', 'change-a'));
    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [pipelinePath] });
    const url = worker.url;
    await waitForTopic(kafka, 'keep-lines', ['k1']);
    await waitForTopic(kafka, 'change-a', ['c1']);
    const keeping = 'pipeline file has problems; keeping the last good config running';

    // 1. A YAML syntax error (an unclosed flow sequence).
    savePipeline(
      source('keep', 'keep-lines'),
      '  - name: change',
      '    type: file-source',
      '    config: { paths: [oops',
    );
    const syntax = await waitFor(
      'the worker to report the broken file',
      () => logged(keeping),
      (r) => r.length === 1,
    );
    expect(syntax[0]).toMatchObject({
      file: pipelinePath,
      problems: [expect.stringContaining(pipelinePath)],
    });
    expect(await names()).toEqual(['change', 'keep']);
    for (const n of ['keep', 'change']) {
      const s = await statusOf(url, n);
      expect({ n, state: s.connector.state, tasks: s.tasks.map((t) => [t.state, t.restarts]) }).toEqual({
        n,
        state: 'RUNNING',
        tasks: [['RUNNING', 0]],
      });
    }
    appendLines(logPath('keep'), ['k2']);
    appendLines(logPath('change'), ['c2']);
    await waitForTopic(kafka, 'keep-lines', ['k1', 'k2']);
    await waitForTopic(kafka, 'change-a', ['c1', 'c2']);

    // 2. Valid YAML with an unknown key, next to a change that would be fine on its own: none of it applies.
    savePipeline(source('keep', 'keep-lines', ', topik: x'), source('change', 'change-b'));
    const unknown = await waitFor(
      'the worker to report the unknown key',
      () => logged(keeping),
      (r) => r.length === 2,
    );
    expect(unknown[1]!['problems']).toEqual([
      expect.stringMatching(/connectors\[0\]\.config\.topik: unknown key "topik"; did you mean "topic"\?/),
    ]);
    expect(await topicOf('change')).toBe('change-a');
    expect(await topicOf('keep')).toBe('keep-lines');
    expect((await statusOf(url, 'change')).tasks[0]).toMatchObject({ state: 'RUNNING', restarts: 0 });
    appendLines(logPath('change'), ['c3']);
    await waitForTopic(kafka, 'change-a', ['c1', 'c2', 'c3']);
    expect(logged('pipeline file reloaded')).toHaveLength(0);
    expect(logged('config changed; restarting')).toHaveLength(0);

    // 3. Fixed: the pending change applies.
    savePipeline(source('keep', 'keep-lines'), source('change', 'change-b'));
    await waitFor(
      'the fixed file to apply',
      () => topicOf('change'),
      (t) => t === 'change-b',
    );
    await waitFor(
      'the reload to finish',
      () => logged('pipeline file reloaded'),
      (r) => r.length === 1,
    );
    await waitForState(url, 'change', 'RUNNING');
    appendLines(logPath('change'), ['c4']);
    appendLines(logPath('keep'), ['k3']);
    await waitForTopic(kafka, 'change-b', ['c4']);
    await waitForTopic(kafka, 'keep-lines', ['k1', 'k2', 'k3']);
    expect(logged('connector started', 'keep')).toHaveLength(1);
    expect(logged(keeping)).toHaveLength(2);
  });
});
