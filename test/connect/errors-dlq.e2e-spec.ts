import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import {
  makeTempDir,
  readPartitions,
  removeDir,
  sleep,
  startBroker,
  startConnectWorkerProcess,
  type BrokerHandle,
  type ConnectWorkerHandle,
  type FetchedMessage,
} from '@tributary/testing';

jest.setTimeout(60_000);

interface TaskStatus {
  id: number;
  state: string;
  trace?: string;
  restarts: number;
  next_restart_at?: string;
}
interface ConnectorStatus {
  name: string;
  connector: { state: string };
  tasks: TaskStatus[];
}

/**
 * The errors policy end to end, through a real broker and a real `tributary connect` process: records that fail
 * in the source, a transform or the sink's converter go to the DLQ with headers naming the failure (tolerance
 * all) or fail the task visibly in the status API and /health (tolerance none), with auto-restart backoff.
 */
describe('connect: errors policy and dead letter queues', () => {
  let broker: BrokerHandle;
  let kafka: Kafka;
  let admin: Admin;
  let dir: string;
  let worker: ConnectWorkerHandle | null = null;

  beforeAll(async () => {
    broker = await startBroker();
    kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await broker?.dispose();
  });
  beforeEach(() => {
    dir = makeTempDir('tributary-errors-');
    mkdirSync(join(dir, 'logs'));
  });
  afterEach(async () => {
    await worker?.dispose();
    worker = null;
    removeDir(dir);
  });

  /** Every record of `topic` (all partitions, by partition then offset); [] while the topic does not exist. */
  async function readTopic(topic: string): Promise<FetchedMessage[]> {
    if (!(await admin.listTopics()).includes(topic)) return [];
    const offsets = await admin.fetchTopicOffsets(topic);
    return readPartitions(
      kafka,
      topic,
      offsets.map((o) => o.partition),
    );
  }

  /** Waits until `topic` holds at least `n` records, then returns them all. */
  async function waitForRecords(topic: string, n: number, timeoutMs = 20_000): Promise<FetchedMessage[]> {
    const deadline = Date.now() + timeoutMs;
    let got = await readTopic(topic);
    while (got.length < n && Date.now() < deadline) {
      await sleep(200);
      got = await readTopic(topic);
    }
    if (got.length < n) {
      throw new Error(
        `${topic} holds ${got.length} records, expected ${n}: ${JSON.stringify(got.map((m) => m.value))}\n` +
          `worker output:\n${worker?.logs().slice(-4000)}`,
      );
    }
    return got;
  }

  async function status(name: string): Promise<ConnectorStatus> {
    const res = await fetch(`${worker!.url}/connectors/${name}/status`);
    expect(res.status).toBe(200);
    return (await res.json()) as ConnectorStatus;
  }

  /** Polls the connector's status until `pred` holds for its task 0. */
  async function waitForTask(
    name: string,
    pred: (t: TaskStatus) => boolean,
    what: string,
    timeoutMs = 20_000,
  ): Promise<TaskStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: ConnectorStatus | null = null;
    while (Date.now() < deadline) {
      last = await status(name);
      const t = last.tasks[0];
      if (t && pred(t)) return t;
      await sleep(100);
    }
    throw new Error(`${name}: task never became ${what}; last status ${JSON.stringify(last, null, 2)}`);
  }

  function writePipeline(lines: string[]): string {
    const path = join(dir, 'pipeline.yaml');
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  const json = (v: unknown): string => JSON.stringify(v);

  /** Creates `topic` (one partition) if needed and appends `values` with acks=all. */
  async function produce(topic: string, values: string[]): Promise<void> {
    if (!(await admin.listTopics()).includes(topic))
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    } finally {
      await producer.disconnect();
    }
  }

  it('tolerance all: a transform failure and an unparsable line go to the DLQ with context headers; the rest flows on', async () => {
    const log = join(dir, 'logs', 'events.log');
    writeFileSync(
      log,
      [
        json({ user_id: 'u1', n: 1 }),
        json({ user_id: 'u2', n: 2 }),
        json({ n: 3, note: 'no user id' }),
        '{"user_id": "u4", "n": 4', // cut off: not JSON
        json({ user_id: 'u5', n: 5 }),
        '',
      ].join('\n'),
    );
    const pipeline = writePipeline([
      'connectors:',
      '  - name: events-all',
      '    type: file-source',
      `    config: { paths: ["${log}"], format: json, topic: events-all, poll.interval: 50ms }`,
      '    transforms:',
      '      - { type: extract-key, field: user_id }',
      '    errors: { tolerance: all, dlq.topic: events-all-dlq }',
    ]);
    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [pipeline] });

    const dlq = await waitForRecords('events-all-dlq', 2);
    const delivered = await waitForRecords('events-all', 3);
    expect(delivered.map((m) => [m.key, m.value])).toEqual([
      [json('u1'), json({ user_id: 'u1', n: 1 })],
      [json('u2'), json({ user_id: 'u2', n: 2 })],
      [json('u5'), json({ user_id: 'u5', n: 5 })],
    ]);
    expect(dlq).toHaveLength(2);

    // The record without user_id, as the transform got it, with headers saying what failed where.
    const [missing, unparsable] = dlq;
    expect(missing!.value).toBe(json({ n: 3, note: 'no user id' }));
    expect(missing!.headers).toMatchObject({
      '__connect.errors.stage': 'transform',
      '__connect.errors.connector.name': 'events-all',
      '__connect.errors.task.id': '0',
      '__connect.errors.exception.class.name': 'Error',
    });
    expect(missing!.headers['__connect.errors.exception.message']).toContain('field "user_id" is missing');
    expect(missing!.headers['__connect.errors.exception.stacktrace']).toContain('extract-key');
    // The source position: the file's fingerprint partition and the byte offset just past the line.
    const fingerprint = (
      JSON.parse(missing!.headers['__connect.errors.source.partition']!) as { fingerprint: string }
    ).fingerprint;
    expect(fingerprint).toMatch(/\S/);
    const lines = readFileSync(log, 'utf8').split('\n');
    const endOfLine = (i: number): number =>
      lines.slice(0, i + 1).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    expect(JSON.parse(missing!.headers['__connect.errors.source.offset']!)).toMatchObject({
      position: endOfLine(2),
    });
    // The file-source's own headers travel with it: which file, at which byte the line starts.
    expect(missing!.headers['file.path']).toBe(log);
    expect(missing!.headers['source.position']).toBe(String(endOfLine(1)));

    // The cut-off line, as raw text: it never became a value.
    expect(unparsable!.value).toBe('{"user_id": "u4", "n": 4');
    expect(unparsable!.headers).toMatchObject({
      '__connect.errors.stage': 'source',
      '__connect.errors.connector.name': 'events-all',
      '__connect.errors.task.id': '0',
    });
    expect(unparsable!.headers['__connect.errors.exception.message']).toContain('is not valid JSON');
    expect(JSON.parse(unparsable!.headers['__connect.errors.source.partition']!)).toEqual({ fingerprint });
    expect(JSON.parse(unparsable!.headers['__connect.errors.source.offset']!)).toMatchObject({
      position: endOfLine(3),
    });

    // The pipeline keeps flowing: lines written after the failures arrive, including another poison one.
    appendFileSync(
      log,
      [json({ user_id: 'u6', n: 6 }), json({ n: 7 }), json({ user_id: 'u8', n: 8 }), ''].join('\n'),
    );
    const later = await waitForRecords('events-all', 5);
    expect(later.map((m) => m.key)).toEqual([json('u1'), json('u2'), json('u5'), json('u6'), json('u8')]);
    const dlqLater = await waitForRecords('events-all-dlq', 3);
    expect(dlqLater.map((m) => [m.value, m.headers['__connect.errors.stage']])).toEqual([
      [json({ n: 3, note: 'no user id' }), 'transform'],
      ['{"user_id": "u4", "n": 4', 'source'],
      [json({ n: 7 }), 'transform'],
    ]);

    // Tolerated failures leave the task RUNNING and the worker healthy; the metrics count them.
    expect((await status('events-all')).tasks.map((t) => t.state)).toEqual(['RUNNING']);
    expect((await fetch(`${worker.url}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toMatch(
      /tributary_connect_record_errors_total\{connector="events-all",task="0",stage="transform"\} 2/,
    );
    expect(metrics).toMatch(
      /tributary_connect_record_errors_total\{connector="events-all",task="0",stage="source"\} 1/,
    );
    expect(metrics).toMatch(/tributary_connect_dlq_records_total\{connector="events-all",task="0"\} 3/);
  });

  it('tolerance none: the task fails with a trace saying what to do, after delivering the lines before the poison one', async () => {
    const lines = (prefix: string) =>
      [
        json({ user_id: `${prefix}1`, n: 1 }),
        json({ user_id: `${prefix}2`, n: 2 }),
        json({ n: 3 }),
        json({ user_id: `${prefix}4`, n: 4 }),
        '',
      ].join('\n');
    const strictLog = join(dir, 'logs', 'strict.log');
    const retryLog = join(dir, 'logs', 'retry.log');
    writeFileSync(strictLog, lines('s'));
    writeFileSync(retryLog, lines('r'));
    const pipeline = writePipeline([
      'connectors:',
      '  - name: strict',
      '    type: file-source',
      `    config: { paths: ["${strictLog}"], format: json, topic: strict-out, poll.interval: 50ms }`,
      '    transforms: [{ type: extract-key, field: user_id }]',
      '    errors: { tolerance: none }',
      '    restart: { auto: false }',
      '  - name: retrying',
      '    type: file-source',
      `    config: { paths: ["${retryLog}"], format: json, topic: retry-out, poll.interval: 50ms }`,
      '    transforms: [{ type: extract-key, field: user_id }]',
      '    restart: { initial.delay: 300ms, max.delay: 600ms }',
      '  - name: strict-sink',
      '    type: file-sink',
      '    topics: [strict-sink-in]',
      `    config: { path: "${join(dir, 'out', 'strict-sink.jsonl')}" }`,
      '    restart: { auto: false }',
    ]);
    await produce('strict-sink-in', [json({ a: 1 }), 'not JSON at all', json({ a: 2 })]);
    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [pipeline] });

    // restart.auto false: FAILED, and it stays so (no restart scheduled).
    const strict = await waitForTask('strict', (t) => t.state === 'FAILED', 'FAILED');
    expect(strict.trace).toContain('TaskFailure: transform failed for the record at source position');
    expect(strict.trace).toContain('field "user_id" is missing');
    expect(strict.trace).toContain('set errors.tolerance: all (with errors.dlq.topic)');
    expect(strict.trace).toContain('restart the connector');
    // The message once, then where it was thrown: the transform's own error as the cause.
    expect(strict.trace!.split('transform failed for the record').length - 1).toBe(1);
    expect(strict.trace).toMatch(
      /\nCaused by: Error: extract-key: field "user_id" is missing from a record on topic "strict-out"\n\s+at /,
    );
    expect(strict.restarts).toBe(0);
    expect(strict.next_restart_at).toBeUndefined();

    // restart.auto (default): FAILED between attempts, with the next attempt announced and the count going up.
    const retrying = await waitForTask(
      'retrying',
      (t) => t.state === 'FAILED' && t.restarts >= 2 && t.next_restart_at !== undefined,
      'FAILED after 2 restarts',
    );
    expect(retrying.trace).toContain('field "user_id" is missing');
    expect(Date.parse(retrying.next_restart_at!)).not.toBeNaN();

    // The lines before the poison one were delivered, once, despite the restarts; the one after was not.
    expect((await waitForRecords('strict-out', 2)).map((m) => m.value)).toEqual([
      json({ user_id: 's1', n: 1 }),
      json({ user_id: 's2', n: 2 }),
    ]);
    expect((await waitForRecords('retry-out', 2)).map((m) => m.value)).toEqual([
      json({ user_id: 'r1', n: 1 }),
      json({ user_id: 'r2', n: 2 }),
    ]);

    // A sink fails the same way, naming the record by topic/partition@offset; nothing of its batch is committed.
    const sink = await waitForTask('strict-sink', (t) => t.state === 'FAILED', 'FAILED');
    expect(sink.trace).toMatch(
      /^TaskFailure: converter failed for the record at strict-sink-in\/0@1: the record's value is not valid JSON .*set converter\.value: string for non-JSON data\. Fix the cause, or set errors\.tolerance: all/,
    );
    expect(sink.trace).toContain('\nCaused by: ConversionError: ');
    const sinkOffsets = (await (await fetch(`${worker.url}/connectors/strict-sink/offsets`)).json()) as {
      offsets: unknown[];
    };
    expect(sinkOffsets.offsets).toEqual([]);

    const health = await fetch(`${worker.url}/health`);
    expect(health.status).toBe(503);
    const body = (await health.json()) as { status: string; problems: string[] };
    expect(body.status).toBe('DEGRADED');
    expect(body.problems).toEqual(expect.arrayContaining(['strict/0: FAILED', 'strict-sink/0: FAILED']));

    const again = await waitForTask('strict', () => true, 'present');
    expect([again.state, again.restarts, again.next_restart_at]).toEqual(['FAILED', 0, undefined]);
    expect((await status('strict')).connector.state).toBe('RUNNING');
  });

  it('sink: a value the JSON converter cannot read and a record a transform rejects go to the DLQ with topic, partition and offset', async () => {
    await produce('sink-in', [
      json({ a: 1 }),
      'plain text, not JSON',
      json({ b: 9 }), // no "a": the sink's extract-key throws
      json({ a: 2 }),
    ]);
    const out = join(dir, 'out', 'sink.jsonl');
    const pipeline = writePipeline([
      'connectors:',
      '  - name: sink-archive',
      '    type: file-sink',
      '    topics: [sink-in]',
      `    config: { path: "${out}" }`,
      '    transforms: [{ type: extract-key, field: a }]',
      '    errors: { tolerance: all, dlq.topic: sink-dlq }',
    ]);
    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [pipeline] });

    const dlq = await waitForRecords('sink-dlq', 2);
    expect(dlq).toHaveLength(2);
    const context = {
      '__connect.errors.topic': 'sink-in',
      '__connect.errors.partition': '0',
      '__connect.errors.connector.name': 'sink-archive',
      '__connect.errors.task.id': '0',
    };
    // The bytes as they were read, not a re-encoding.
    expect(dlq[0]!.value).toBe('plain text, not JSON');
    expect(dlq[0]!.headers).toMatchObject({
      ...context,
      '__connect.errors.stage': 'converter',
      '__connect.errors.offset': '1',
      '__connect.errors.exception.class.name': 'ConversionError',
    });
    expect(dlq[0]!.headers['__connect.errors.exception.message']).toContain(
      "the record's value is not valid JSON",
    );
    expect(dlq[1]!.value).toBe(json({ b: 9 }));
    expect(dlq[1]!.headers).toMatchObject({
      ...context,
      '__connect.errors.stage': 'transform',
      '__connect.errors.offset': '2',
    });
    expect(dlq[1]!.headers['__connect.errors.exception.message']).toContain('field "a" is missing');

    // The records around them are written, and later ones too.
    await produce('sink-in', [json({ a: 3 })]);
    const deadline = Date.now() + 20_000;
    const read = (): string[] =>
      existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : [];
    while (read().length < 3 && Date.now() < deadline) await sleep(200);
    expect(read()).toEqual([json({ a: 1 }), json({ a: 2 }), json({ a: 3 })]);
    expect((await status('sink-archive')).tasks.map((t) => t.state)).toEqual(['RUNNING']);

    // The DLQ'd records count as handled: the group's committed offset moves past all five records.
    const committed = async (): Promise<unknown> =>
      ((await (await fetch(`${worker!.url}/connectors/sink-archive/offsets`)).json()) as { offsets: unknown })
        .offsets;
    const want = [{ partition: { kafka_topic: 'sink-in', kafka_partition: 0 }, offset: { kafka_offset: 5 } }];
    while (JSON.stringify(await committed()) !== JSON.stringify(want) && Date.now() < deadline)
      await sleep(200);
    expect(await committed()).toEqual(want);
  });
});
