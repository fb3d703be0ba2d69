import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  makeTempDir,
  removeDir,
  startBroker,
  startConnectWorkerProcess,
  type BrokerHandle,
  type ConnectWorkerHandle,
} from '@tributary/testing';
import { keepProducing, kafkaClient, logRecords, statusOf, waitFor } from './connect-http';

jest.setTimeout(120_000);

/**
 * Two real worker processes run the same file-sink connector, so its task on each is a member of one consumer
 * group; the second worker joins, leaves on a clean stop and joins again while records stream in. Every
 * rebalance is absorbed by kafkajs rejoining (no task fails or restarts), nothing is lost, and once both
 * workers stopped cleanly the group's committed offsets are at the end of every partition.
 */
describe('connect: a sink group rebalancing between two workers', () => {
  let broker: BrokerHandle;
  let dir: string;
  const workers: ConnectWorkerHandle[] = [];

  beforeAll(async () => {
    broker = await startBroker({ config: { 'group.initial.rebalance.delay.ms': 0 } });
    dir = makeTempDir('tributary-sink-rebalance-');
    mkdirSync(join(dir, 'out'));
  });

  afterAll(async () => {
    for (const w of workers) await w.dispose();
    await broker?.dispose();
    if (dir) removeDir(dir);
  });

  const output = (name: string) => join(dir, 'out', `${name}.jsonl`);
  const values = (name: string): string[] =>
    existsSync(output(name)) ? readFileSync(output(name), 'utf8').split('\n').filter(Boolean) : [];
  /** A worker running the shared connector, writing to its own file. */
  const startWorker = async (name: string): Promise<ConnectWorkerHandle> => {
    const pipeline = join(dir, `${name}.yaml`);
    writeFileSync(
      pipeline,
      [
        'connectors:',
        '  - name: shared',
        '    type: file-sink',
        '    topics: [shared-in]',
        `    config: { path: "${output(name)}" }`,
        '',
      ].join('\n'),
    );
    const w = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [pipeline] });
    workers.push(w);
    return w;
  };
  const grows = (name: string) => {
    const from = values(name).length;
    return waitFor(
      `${name} to write more records`,
      () => values(name).length,
      (n) => n > from,
      30_000,
    );
  };

  it('loses nothing, fails no task, and commits everything on clean stops', async () => {
    const kafka = kafkaClient(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'shared-in', numPartitions: 4 }] });
    const producer = kafka.producer();
    await producer.connect();
    const writer = keepProducing(producer, 'shared-in', { batch: 40, keyed: true, pauseMs: 5 });
    try {
      const a = await startWorker('a');
      await grows('a');
      // b joins (rebalance), leaves on a clean stop (rebalance: a takes its partitions), joins again.
      const b = await startWorker('b');
      await grows('b');
      await b.stop();
      await grows('a');
      await b.restart();
      await grows('b');
      await writer.stop();
      const produced = writer.count;

      await waitFor(
        `every one of the ${produced} records in a or b`,
        () => new Set([...values('a'), ...values('b')]).size,
        (n) => n === produced,
        30_000,
        200,
      );
      for (const w of [a, b]) {
        const s = await statusOf(w.url, 'shared');
        expect(s.tasks.map((t) => [t.state, t.restarts])).toEqual([['RUNNING', 0]]);
        expect(logRecords(w.logs(), 'task failed')).toEqual([]);
      }

      await b.stop();
      await a.stop();
      const ends = await admin.fetchTopicOffsets('shared-in');
      const [committed] = await admin.fetchOffsets({ groupId: 'connect-shared', topics: ['shared-in'] });
      expect(committed!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(
        ends.map((e) => [e.partition, e.high]).sort(),
      );
    } finally {
      await writer.stop().catch(() => undefined);
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
