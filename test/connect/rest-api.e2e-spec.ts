import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  keepProducing,
  statusOf,
  topicValues,
  waitFor,
  waitForState,
  waitForTopic,
  type ConnectorStatus,
  type ErrorBody,
} from './connect-http';

jest.setTimeout(60_000);

/**
 * The Kafka Connect REST API of a real `tributary connect` process against a real broker. One broker and one
 * worker serve the whole file (each test uses its own connectors, files and topics); the worker also runs a
 * pipeline file with one connector, `owned`, to check what REST may not do to file-declared connectors.
 */
describe('connect REST API (real worker process)', () => {
  let broker: BrokerHandle;
  let worker: ConnectWorkerHandle;
  let kafka: Kafka;
  let dir: string;
  let pipelinePath: string;
  let url: string;

  const logPath = (name: string) => join(dir, 'logs', `${name}.log`);
  /** A REST connector body for a file-source tailing logs/<file>.log into `topic`. */
  const sourceEntry = (file: string, topic: string, extra: Record<string, unknown> = {}) => ({
    type: 'file-source',
    config: { paths: [logPath(file)], topic, 'poll.interval': '50ms', ...extra },
  });
  const create = async (name: string, entry: Record<string, unknown>) => {
    const r = await http('POST', `${url}/connectors`, { name, config: entry });
    expect({ status: r.status, text: r.text }).toEqual({ status: 201, text: expect.any(String) });
    return r;
  };

  beforeAll(async () => {
    // No initial rebalance delay: a sink's group forms at once (the default waits 3 s for more members).
    broker = await startBroker({ config: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 } });
    dir = makeTempDir('tributary-connect-rest-');
    mkdirSync(join(dir, 'logs'));
    mkdirSync(join(dir, 'out'));
    pipelinePath = join(dir, 'pipeline.yaml');
    writeFileSync(
      pipelinePath,
      [
        'connectors:',
        '  - name: owned',
        '    type: file-source',
        `    config: { paths: ["${logPath('owned')}"], topic: owned-lines, poll.interval: 50ms }`,
        '',
      ].join('\n'),
    );
    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [pipelinePath] });
    url = worker.url;
    kafka = kafkaClient(broker.bootstrap);
  });

  afterAll(async () => {
    await worker?.dispose();
    await broker?.dispose();
    if (dir) removeDir(dir);
  });

  it('GET / describes the worker; GET /connector-plugins lists file-source and file-sink with their config keys', async () => {
    const root = await http<{ version: string; worker_id: string }>('GET', `${url}/`);
    expect(root.status).toBe(200);
    expect(root.body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(root.body.worker_id).toMatch(new RegExp(`:${worker.port}$`));

    const plugins = await http<{ class: string; type: string }[]>('GET', `${url}/connector-plugins`);
    expect(plugins.status).toBe(200);
    expect(plugins.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ class: 'file-source', type: 'source' }),
        expect.objectContaining({ class: 'file-sink', type: 'sink' }),
      ]),
    );

    const defs = await http<{ name: string; type: string; required: boolean; default_value: unknown }[]>(
      'GET',
      `${url}/connector-plugins/file-source/config`,
    );
    expect(defs.status).toBe(200);
    const byName = new Map(defs.body.map((d) => [d.name, d]));
    expect(byName.get('paths')).toMatchObject({ type: 'array', required: true });
    expect(byName.get('topic')).toMatchObject({ type: 'string', required: true });
    expect(byName.get('format')).toMatchObject({ required: false, default_value: 'line' });
    // Kafka Connect's `type` is one string, also for keys that accept several (a duration: number or string).
    for (const d of defs.body) expect(typeof d.type).toBe('string');

    const unknown = await http<ErrorBody>('GET', `${url}/connector-plugins/nope/config`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error_code: 404, message: expect.stringContaining('file-source') });
  });

  it('PUT /connector-plugins/file-source/config/validate reports no errors for a good config and each problem by key for a bad one', async () => {
    type Validation = {
      name: string;
      error_count: number;
      configs: { value: { name: string; errors: string[] } }[];
    };
    const good = await http<Validation>('PUT', `${url}/connector-plugins/file-source/config/validate`, {
      paths: ['/var/log/app.log'],
      topic: 'app',
      'batch.size': 100,
    });
    expect(good.status).toBe(200);
    expect(good.body.name).toBe('file-source');
    expect(good.body.error_count).toBe(0);
    expect(good.body.configs.every((c) => c.value.errors.length === 0)).toBe(true);

    // `topik` is a typo of the required `topic` (so that one is missing too); batch.size has the wrong type.
    const bad = await http<Validation>('PUT', `${url}/connector-plugins/file-source/config/validate`, {
      paths: ['/var/log/app.log'],
      topik: 'app',
      'batch.size': 'lots',
    });
    expect(bad.status).toBe(200);
    const errors = Object.fromEntries(bad.body.configs.map((c) => [c.value.name, c.value.errors]));
    expect(errors['topik']).toEqual([expect.stringMatching(/unknown key "topik"; did you mean "topic"\?/)]);
    expect(errors['topic']).toEqual([expect.stringMatching(/missing required key "topic"/)]);
    expect(errors['batch.size']).toEqual([expect.stringMatching(/expected number/)]);
    expect(errors['paths']).toEqual([]);
    expect(bad.body.error_count).toBe(3);
  });

  it('creates a REST connector, describes it, changes its config (the connector restarts with it) and deletes it', async () => {
    appendLines(logPath('crud'), ['c1', 'c2', 'c3']);
    const created = await create('crud', sourceEntry('crud', 'crud-a'));
    expect(created.body).toMatchObject({
      name: 'crud',
      type: 'source',
      tasks: [{ connector: 'crud', task: 0 }],
      config: { type: 'file-source', config: { topic: 'crud-a' }, origin: 'rest' },
    });

    const dup = await http<ErrorBody>('POST', `${url}/connectors`, {
      name: 'crud',
      config: sourceEntry('crud', 'crud-a'),
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ error_code: 409, message: expect.stringContaining('already exists') });

    const list = await http<string[]>('GET', `${url}/connectors`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual(expect.arrayContaining(['crud', 'owned']));

    const info = await http<{ name: string; type: string }>('GET', `${url}/connectors/crud`);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ name: 'crud', type: 'source' });

    const config = await http<{ type: string; config: Record<string, unknown> }>(
      'GET',
      `${url}/connectors/crud/config`,
    );
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      type: 'file-source',
      config: { paths: [logPath('crud')], topic: 'crud-a', 'poll.interval': 50, format: 'line' },
    });

    const status = await waitForState(url, 'crud', 'RUNNING');
    expect(status).toMatchObject({ name: 'crud', type: 'source', tasks: [{ id: 0, restarts: 0 }] });

    const tasks = await http<{ id: { connector: string; task: number }; config: { topic: string } }[]>(
      'GET',
      `${url}/connectors/crud/tasks`,
    );
    expect(tasks.status).toBe(200);
    expect(tasks.body).toEqual([
      { id: { connector: 'crud', task: 0 }, config: expect.objectContaining({ topic: 'crud-a' }) },
    ]);

    await waitForTopic(kafka, 'crud-a', ['c1', 'c2', 'c3']);

    // A bad config is refused with the key named, and the connector keeps running its current config.
    const bad = await http<ErrorBody>('PUT', `${url}/connectors/crud/config`, {
      type: 'file-source',
      config: { paths: [logPath('crud')], topic: 'crud-b', 'poll.intervall': '50ms' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe(400);
    expect(bad.body.message).toMatch(
      /config\.poll\.intervall: unknown key "poll\.intervall"; did you mean "poll\.interval"/,
    );
    const wrongType = await http<ErrorBody>('PUT', `${url}/connectors/crud/config`, {
      type: 'file-source',
      config: { paths: [logPath('crud')], topic: 42 },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.message).toMatch(/config\.topic: .*expected string/);
    expect((await http('GET', `${url}/connectors/crud/config`)).body).toMatchObject({
      config: { topic: 'crud-a' },
    });

    // A new config: the connector restarts with it and continues from its stored offsets, into the new topic.
    const changed = await http<{ config: { config: { topic: string } } }>(
      'PUT',
      `${url}/connectors/crud/config`,
      {
        type: 'file-source',
        config: { paths: [logPath('crud')], topic: 'crud-b', 'poll.interval': '50ms' },
      },
    );
    expect(changed.status).toBe(200);
    expect(changed.body.config.config.topic).toBe('crud-b');
    await waitForState(url, 'crud', 'RUNNING');
    appendLines(logPath('crud'), ['c4', 'c5']);
    await waitForTopic(kafka, 'crud-b', ['c4', 'c5']);
    expect((await http('GET', `${url}/connectors/crud/tasks`)).body).toEqual([
      { id: { connector: 'crud', task: 0 }, config: expect.objectContaining({ topic: 'crud-b' }) },
    ]);

    // What GET /config returns can be PUT back as is (edit-and-put round trip).
    const current = await http<Record<string, unknown>>('GET', `${url}/connectors/crud/config`);
    const roundTrip = await http<ErrorBody>('PUT', `${url}/connectors/crud/config`, current.body);
    expect({ status: roundTrip.status, text: roundTrip.text }).toEqual({
      status: 200,
      text: expect.any(String),
    });
    expect((await http('GET', `${url}/connectors/crud/config`)).body).toEqual(current.body);
    await waitForState(url, 'crud', 'RUNNING');
    appendLines(logPath('crud'), ['c6']);
    await waitForTopic(kafka, 'crud-b', ['c4', 'c5', 'c6']);
    expect(await topicValues(kafka, 'crud-a')).toEqual(['c1', 'c2', 'c3']);

    // A POST with a bad config is refused too, and creates nothing.
    const badPost = await http<ErrorBody>('POST', `${url}/connectors`, {
      name: 'crud-bad',
      config: { type: 'file-source', config: { paths: [logPath('x')] } },
    });
    expect(badPost.status).toBe(400);
    expect(badPost.body.message).toMatch(/config\.topic: missing required key "topic"/);
    expect((await http('GET', `${url}/connectors/crud-bad`)).status).toBe(404);

    const del = await http('DELETE', `${url}/connectors/crud`);
    expect(del.status).toBe(204);
    const gone = await http<ErrorBody>('GET', `${url}/connectors/crud`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error_code: 404, message: expect.stringContaining('crud') });
    expect((await http<string[]>('GET', `${url}/connectors`)).body).not.toContain('crud');
    // Deleted means stopped: new lines go nowhere.
    appendLines(logPath('crud'), ['c7']);
    await expectTopicStays(kafka, 'crud-b', ['c4', 'c5', 'c6']);
  });

  it('answers 404 in the error shape for every operation on an unknown connector', async () => {
    const calls: [Parameters<typeof http>[0], string][] = [
      ['GET', '/connectors/nope'],
      ['GET', '/connectors/nope/config'],
      ['GET', '/connectors/nope/status'],
      ['GET', '/connectors/nope/tasks'],
      ['GET', '/connectors/nope/offsets'],
      ['PUT', '/connectors/nope/pause'],
      ['PUT', '/connectors/nope/resume'],
      ['PUT', '/connectors/nope/stop'],
      ['POST', '/connectors/nope/restart'],
      ['DELETE', '/connectors/nope'],
    ];
    for (const [method, path] of calls) {
      const r = await http<ErrorBody>(method, `${url}${path}`);
      expect({ call: `${method} ${path}`, status: r.status, body: r.body }).toEqual({
        call: `${method} ${path}`,
        status: 404,
        body: { error_code: 404, message: 'connector nope not found; see GET /connectors' },
      });
    }
  });

  it('pause holds back lines written meanwhile; resume delivers them', async () => {
    appendLines(logPath('pausing'), ['p1', 'p2']);
    await create('pausing', sourceEntry('pausing', 'pausing-lines'));
    await waitForTopic(kafka, 'pausing-lines', ['p1', 'p2']);

    const pause = await http('PUT', `${url}/connectors/pausing/pause`);
    expect(pause.status).toBe(202);
    await waitForState(url, 'pausing', 'PAUSED');

    appendLines(logPath('pausing'), ['p3', 'p4']);
    await expectTopicStays(kafka, 'pausing-lines', ['p1', 'p2']);
    expect((await statusOf(url, 'pausing')).connector.state).toBe('PAUSED');

    const resume = await http('PUT', `${url}/connectors/pausing/resume`);
    expect(resume.status).toBe(202);
    await waitForState(url, 'pausing', 'RUNNING');
    await waitForTopic(kafka, 'pausing-lines', ['p1', 'p2', 'p3', 'p4']);
    await http('DELETE', `${url}/connectors/pausing`);
  });

  it('source offsets: readable once STOPPED, alterable only while STOPPED, and resuming reads from them', async () => {
    type Offsets = {
      offsets: { partition: { fingerprint: string }; offset: { position: number; head: number } }[];
    };
    appendLines(logPath('offs'), ['o1', 'o2', 'o3']);
    const fileBytes = readFileSync(logPath('offs')).length;
    await create('offs', sourceEntry('offs', 'offs-lines'));
    await waitForTopic(kafka, 'offs-lines', ['o1', 'o2', 'o3']);

    const whileRunning = await http<ErrorBody>('PATCH', `${url}/connectors/offs/offsets`, {
      offsets: [{ partition: { fingerprint: 'x' }, offset: { position: 0, head: 1 } }],
    });
    expect(whileRunning.status).toBe(409);
    expect(whileRunning.body).toEqual({
      error_code: 409,
      message: expect.stringMatching(/must be STOPPED.*\/stop first/),
    });
    expect((await http('DELETE', `${url}/connectors/offs/offsets`)).status).toBe(409);

    const stop = await http('PUT', `${url}/connectors/offs/stop`);
    expect(stop.status).toBe(204);
    const stopped = await waitForState(url, 'offs', 'STOPPED');
    expect(stopped.tasks).toEqual([]);

    const offsets = await http<Offsets>('GET', `${url}/connectors/offs/offsets`);
    expect(offsets.status).toBe(200);
    expect(offsets.body.offsets).toEqual([
      {
        partition: { fingerprint: expect.stringMatching(/^[0-9a-f]{16,}$/) },
        offset: { position: fileBytes, head: expect.any(Number) },
      },
    ]);
    const { partition, offset } = offsets.body.offsets[0]!;

    // Back to the start of the file: after resume the three lines are read (and delivered) again.
    const patch = await http<{ message: string }>('PATCH', `${url}/connectors/offs/offsets`, {
      offsets: [{ partition, offset: { ...offset, position: 0 } }],
    });
    expect(patch.status).toBe(200);
    expect(patch.body.message).toMatch(/altered/);
    expect((await http<Offsets>('GET', `${url}/connectors/offs/offsets`)).body.offsets).toEqual([
      { partition, offset: { ...offset, position: 0 } },
    ]);
    expect((await http('PUT', `${url}/connectors/offs/resume`)).status).toBe(202);
    await waitForState(url, 'offs', 'RUNNING');
    await waitForTopic(kafka, 'offs-lines', ['o1', 'o2', 'o3', 'o1', 'o2', 'o3']);

    // DELETE forgets them: the file counts as never read, and read.from: beginning reads it all again.
    expect((await http('PUT', `${url}/connectors/offs/stop`)).status).toBe(204);
    await waitForState(url, 'offs', 'STOPPED');
    const reset = await http<{ message: string }>('DELETE', `${url}/connectors/offs/offsets`);
    expect(reset.status).toBe(200);
    expect(reset.body.message).toMatch(/reset/);
    expect((await http<Offsets>('GET', `${url}/connectors/offs/offsets`)).body).toEqual({ offsets: [] });
    expect((await http('PUT', `${url}/connectors/offs/resume`)).status).toBe(202);
    await waitForTopic(kafka, 'offs-lines', ['o1', 'o2', 'o3', 'o1', 'o2', 'o3', 'o1', 'o2', 'o3']);
    await http('DELETE', `${url}/connectors/offs`);
  });

  it('sink offsets are {kafka_topic, kafka_partition} -> {kafka_offset}, alterable and resettable while STOPPED', async () => {
    type Offsets = {
      offsets: {
        partition: { kafka_topic: string; kafka_partition: number };
        offset: { kafka_offset: number };
      }[];
    };
    appendLines(logPath('sink-src'), ['s1', 's2', 's3']);
    await create('sink-src', sourceEntry('sink-src', 'sink-in'));
    await waitForTopic(kafka, 'sink-in', ['s1', 's2', 's3']);
    const out = join(dir, 'out', 'sink.jsonl');
    await create('sinker', { type: 'file-sink', topics: ['sink-in'], config: { path: out } });
    await waitFor(
      'the sink to write 3 lines',
      () => (existsSync(out) ? readFileSync(out, 'utf8') : ''),
      (t) => t === '"s1"\n"s2"\n"s3"\n',
    );
    expect((await http<ConnectorStatus>('GET', `${url}/connectors/sinker/status`)).body.type).toBe('sink');

    const whileRunning = await http<ErrorBody>('PATCH', `${url}/connectors/sinker/offsets`, {
      offsets: [{ partition: { kafka_topic: 'sink-in', kafka_partition: 0 }, offset: { kafka_offset: 0 } }],
    });
    expect(whileRunning.status).toBe(409);

    expect((await http('PUT', `${url}/connectors/sinker/stop`)).status).toBe(204);
    await waitForState(url, 'sinker', 'STOPPED');
    const committed = await http<Offsets>('GET', `${url}/connectors/sinker/offsets`);
    expect(committed.status).toBe(200);
    expect(committed.body.offsets).toEqual([
      { partition: { kafka_topic: 'sink-in', kafka_partition: 0 }, offset: { kafka_offset: 3 } },
    ]);

    const patch = await http<{ message: string }>('PATCH', `${url}/connectors/sinker/offsets`, {
      offsets: [{ partition: { kafka_topic: 'sink-in', kafka_partition: 0 }, offset: { kafka_offset: 1 } }],
    });
    expect(patch.status).toBe(200);
    expect((await http<Offsets>('GET', `${url}/connectors/sinker/offsets`)).body.offsets).toEqual([
      { partition: { kafka_topic: 'sink-in', kafka_partition: 0 }, offset: { kafka_offset: 1 } },
    ]);
    const badShape = await http<ErrorBody>('PATCH', `${url}/connectors/sinker/offsets`, {
      offsets: [{ partition: { fingerprint: 'x' }, offset: { position: 0 } }],
    });
    expect(badShape.status).toBe(400);
    expect(badShape.body.message).toMatch(/kafka_topic/);

    expect((await http('DELETE', `${url}/connectors/sinker/offsets`)).status).toBe(200);
    expect((await http<Offsets>('GET', `${url}/connectors/sinker/offsets`)).body).toEqual({ offsets: [] });

    // Resumed from scratch, the sink consumes the topic again (committing up to its end); the file sink's
    // checkpoint keeps the redelivered records from being written twice.
    expect((await http('PUT', `${url}/connectors/sinker/resume`)).status).toBe(202);
    await waitFor(
      'the resumed sink to commit the end of sink-in again',
      () => http<Offsets>('GET', `${url}/connectors/sinker/offsets`).then((r) => r.body.offsets),
      (o) => o.length === 1 && o[0]!.offset.kafka_offset === 3,
    );
    expect(readFileSync(out, 'utf8')).toBe('"s1"\n"s2"\n"s3"\n');
    await http('DELETE', `${url}/connectors/sinker`);
    await http('DELETE', `${url}/connectors/sink-src`);
  });

  it('a sink stopped while records stream in has committed exactly what it flushed; resumed, it repeats nothing', async () => {
    type Offsets = { offsets: { offset: { kafka_offset: number } }[] };
    const topic = 'midstream-in';
    const out = join(dir, 'out', 'midstream.jsonl');
    const lines = (): string[] =>
      existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : [];
    const producer = kafka.producer();
    await producer.connect();
    // Records keep arriving, so the stop lands while batches are flushed and their commits are in flight.
    const writer = keepProducing(producer, topic, { batch: 50 });
    try {
      await create('midstream', { type: 'file-sink', topics: [topic], config: { path: out } });
      await waitFor('the sink to write 2000 lines', lines, (l) => l.length >= 2000, 30_000);
      expect((await http('PUT', `${url}/connectors/midstream/stop`)).status).toBe(204);
      await waitForState(url, 'midstream', 'STOPPED');
    } finally {
      await writer.stop();
    }
    const produced = writer.count;
    await producer.disconnect();
    // The file holds what the sink flushed (unflushed lines die with the task): a clean stop commits all of
    // it, so the group's offset is neither behind (records written again) nor ahead (records lost).
    const flushed = lines().length;
    const committed = await http<Offsets>('GET', `${url}/connectors/midstream/offsets`);
    expect(committed.body.offsets.map((o) => o.offset.kafka_offset)).toEqual([flushed]);
    expect(flushed).toBeLessThan(produced);

    expect((await http('PUT', `${url}/connectors/midstream/resume`)).status).toBe(202);
    await waitFor(
      `the resumed sink to commit all ${produced} records`,
      () => http<Offsets>('GET', `${url}/connectors/midstream/offsets`).then((r) => r.body.offsets),
      (o) => o.length === 1 && o[0]!.offset.kafka_offset === produced,
      30_000,
    );
    expect(lines()).toEqual(Array.from({ length: produced }, (_, i) => String(i)));
    await http('DELETE', `${url}/connectors/midstream`);
  });

  it('POST /connectors/{name}/restart restarts the tasks and counts the restart', async () => {
    appendLines(logPath('restarting'), ['r1']);
    await create('restarting', sourceEntry('restarting', 'restarting-lines'));
    await waitForTopic(kafka, 'restarting-lines', ['r1']);
    expect((await statusOf(url, 'restarting')).tasks[0]!.restarts).toBe(0);

    const r = await http<ConnectorStatus>('POST', `${url}/connectors/restarting/restart`);
    expect(r.status).toBe(202);
    expect(r.body.tasks[0]!.restarts).toBe(1);
    await waitForState(url, 'restarting', 'RUNNING');
    expect((await statusOf(url, 'restarting')).tasks[0]!.restarts).toBe(1);
    const task = await http('POST', `${url}/connectors/restarting/tasks/0/restart`);
    expect(task.status).toBe(204);
    expect((await statusOf(url, 'restarting')).tasks[0]!.restarts).toBe(2);

    // The restarted task continues from its offsets: new lines arrive once, old ones are not read again.
    appendLines(logPath('restarting'), ['r2']);
    await waitForTopic(kafka, 'restarting-lines', ['r1', 'r2']);
    await expectTopicStays(kafka, 'restarting-lines', ['r1', 'r2']);
    const metrics = await http('GET', `${url}/metrics`);
    expect(metrics.text).toMatch(
      /tributary_connect_task_restarts_total\{connector="restarting",task="0"\} 2\b/,
    );
    await http('DELETE', `${url}/connectors/restarting`);
  });

  it('a connector declared in a pipeline file cannot be replaced or deleted over REST (409 naming the file)', async () => {
    appendLines(logPath('owned'), ['w1']);
    await waitForTopic(kafka, 'owned-lines', ['w1']);
    expect((await http('GET', `${url}/connectors/owned/config`)).body).toMatchObject({
      origin: expect.stringContaining(pipelinePath),
    });

    const put = await http<ErrorBody>(
      'PUT',
      `${url}/connectors/owned/config`,
      sourceEntry('owned', 'elsewhere'),
    );
    expect(put.status).toBe(409);
    expect(put.body).toEqual({ error_code: 409, message: expect.stringContaining(pipelinePath) });
    const del = await http<ErrorBody>('DELETE', `${url}/connectors/owned`);
    expect(del.status).toBe(409);
    expect(del.body).toEqual({ error_code: 409, message: expect.stringContaining(pipelinePath) });
    const post = await http<ErrorBody>('POST', `${url}/connectors`, {
      name: 'owned',
      config: sourceEntry('owned', 'elsewhere'),
    });
    expect(post.status).toBe(409);

    // Untouched: still running its file config.
    expect((await statusOf(url, 'owned')).connector.state).toBe('RUNNING');
    appendLines(logPath('owned'), ['w2']);
    await waitForTopic(kafka, 'owned-lines', ['w1', 'w2']);
  });

  it('GET /metrics is Prometheus text with per-connector record counts', async () => {
    appendLines(logPath('metered'), ['m1', 'm2', 'm3', 'm4']);
    await create('metered', sourceEntry('metered', 'metered-lines'));
    await waitForTopic(kafka, 'metered-lines', ['m1', 'm2', 'm3', 'm4']);
    const metrics = await waitFor(
      'the source record count of metered',
      () => http('GET', `${url}/metrics`),
      (r) => /tributary_connect_source_records_total\{connector="metered",task="0"\} 4\b/.test(r.text),
    );
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    expect(metrics.text).toContain('# TYPE tributary_connect_source_records_total counter');
    expect(metrics.text).toMatch(
      /tributary_connect_task_state\{connector="metered",task="0",state="RUNNING"\} 1\b/,
    );
    await http('DELETE', `${url}/connectors/metered`);
  });

  it('GET /health is 200 while tasks are healthy and 503 naming a FAILED task', async () => {
    const healthy = await http<{ status: string; problems: string[] }>('GET', `${url}/health`);
    expect(healthy.status).toBe(200);
    expect(healthy.body).toMatchObject({ status: 'UP', problems: [] });

    // A file-sink whose path is a directory fails at start; restart.auto off keeps it FAILED.
    const asDir = join(dir, 'out', 'a-directory');
    mkdirSync(asDir);
    await create('broken-sink', {
      type: 'file-sink',
      topics: ['owned-lines'],
      config: { path: asDir },
      restart: { auto: false },
    });
    const failed = await waitFor(
      'broken-sink task 0 to be FAILED',
      () => statusOf(url, 'broken-sink'),
      (s) => s.tasks[0]?.state === 'FAILED',
    );
    expect(failed.tasks[0]!.trace).toMatch(/EISDIR/);
    const degraded = await http<{ status: string; problems: string[] }>('GET', `${url}/health`);
    expect(degraded.status).toBe(503);
    expect(degraded.body).toMatchObject({ status: 'DEGRADED', problems: ['broken-sink/0: FAILED'] });
    expect((await http('GET', `${url}/metrics`)).text).toMatch(
      /tributary_connect_task_state\{connector="broken-sink",task="0",state="FAILED"\} 1\b/,
    );

    expect((await http('DELETE', `${url}/connectors/broken-sink`)).status).toBe(204);
    expect((await http('GET', `${url}/health`)).status).toBe(200);
  });

  it('REST connectors and their paused/stopped target states survive kill -9 of the worker', async () => {
    appendLines(logPath('keep-running'), ['k1']);
    appendLines(logPath('keep-paused'), ['q1']);
    await create('keep-running', sourceEntry('keep-running', 'keep-running-lines'));
    await create('keep-paused', sourceEntry('keep-paused', 'keep-paused-lines'));
    await create('keep-stopped', sourceEntry('keep-stopped', 'keep-stopped-lines'));
    await waitForTopic(kafka, 'keep-running-lines', ['k1']);
    await waitForTopic(kafka, 'keep-paused-lines', ['q1']);
    expect((await http('PUT', `${url}/connectors/keep-paused/pause`)).status).toBe(202);
    expect((await http('PUT', `${url}/connectors/keep-stopped/stop`)).status).toBe(204);
    // The file connector's target state is stored too.
    expect((await http('PUT', `${url}/connectors/owned/pause`)).status).toBe(202);
    await waitForState(url, 'keep-paused', 'PAUSED');
    await waitForState(url, 'owned', 'PAUSED');
    const configBefore = (await http('GET', `${url}/connectors/keep-running/config`)).body;
    // A kill -9 loses what was not yet in the offsets topic; wait for k1's position to be stored, so that a
    // k1 read again after the restart would be a bug and not the at-least-once window.
    await waitFor(
      'the offset of keep-running to be stored',
      () => http<{ offsets: unknown[] }>('GET', `${url}/connectors/keep-running/offsets`),
      (r) => r.body.offsets.length === 1,
    );

    await worker.kill9();
    await worker.restart();

    const names = await http<string[]>('GET', `${url}/connectors`);
    expect(names.body).toEqual(
      expect.arrayContaining(['keep-running', 'keep-paused', 'keep-stopped', 'owned']),
    );
    expect((await http('GET', `${url}/connectors/keep-running/config`)).body).toEqual(configBefore);
    await waitForState(url, 'keep-running', 'RUNNING');
    await waitForState(url, 'keep-paused', 'PAUSED');
    await waitForState(url, 'keep-stopped', 'STOPPED');
    await waitForState(url, 'owned', 'PAUSED');

    // And they behave that way: the running one delivers, the paused one holds back.
    appendLines(logPath('keep-running'), ['k2']);
    appendLines(logPath('keep-paused'), ['q2']);
    await waitForTopic(kafka, 'keep-running-lines', ['k1', 'k2']);
    await expectTopicStays(kafka, 'keep-paused-lines', ['q1']);
    expect((await http('PUT', `${url}/connectors/keep-paused/resume`)).status).toBe(202);
    await waitForTopic(kafka, 'keep-paused-lines', ['q1', 'q2']);
  });
});
