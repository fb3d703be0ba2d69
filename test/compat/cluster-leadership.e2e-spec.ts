import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import {
  makeTempDir,
  sleep,
  startMultiBrokerCluster,
  trackChild,
  type ChaosCluster,
  type ChaosNode,
} from '@tributary/testing';
import { SYSTEM_PYTHON } from './python-client';

jest.setTimeout(120_000);

/**
 * Real clients across a leader change: each client library starts one producer (acks=all, retries on) and one
 * consumer (reading the partition from the beginning) and keeps them for the whole test. The partition's leader
 * is killed with SIGKILL between two batches; the second batch is sent while the coordinator fences the dead
 * broker and elects a new leader from the ISR. Every acknowledged message must then be consumed, at the offset
 * its acknowledgement named, by the consumer that was never restarted.
 */

const LEASE_MS = 2000;

/** What one client's producer and consumer reported. */
class Outcomes {
  readonly sent: string[] = [];
  readonly acked = new Map<string, number>();
  readonly failed = new Map<string, string>();
  readonly consumed: { value: string; offset: number }[] = [];

  settled(values: readonly string[]): boolean {
    return values.every((v) => this.acked.has(v) || this.failed.has(v));
  }
}

/** A client under test: a long-lived producer and consumer pair. */
interface LeadershipClient {
  readonly outcomes: Outcomes;
  /**
   * Sends the `before-*` and `during-*` values and calls `kill` (which kills the partition leader) once the
   * `before-*` ones are acknowledged, so the `during-*` ones go out while the leadership moves. Resolves once
   * every value has an outcome.
   */
  produceAcrossKill(kill: () => Promise<void>): Promise<void>;
  /** Sends `<prefix>-0..n-1`, `pauseMs` apart; resolves once each has an outcome. */
  produce(prefix: string, n: number, pauseMs: number): Promise<void>;
  /** Stops producer and consumer; rejects if either failed on its own. */
  close(): Promise<void>;
  /** Output for failure messages. */
  output(): string;
}

function spawnTracked(cmd: string, args: string[]): { proc: ChildProcess; exited: Promise<number | null> } {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  trackChild(proc);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('close', (code) => resolve(code));
    proc.once('error', () => resolve(-1));
  });
  return { proc, exited };
}

async function waitUntil(what: () => string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what()} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * kcat: a `kcat -C -J` consumer following the partition for the whole test, and `kcat -P` producers (idempotent).
 * kcat reads its input in blocks (up to message.max.bytes) and produces nothing before a block is full or stdin
 * ends, so a kcat producer cannot be fed line by line: the one that crosses the leader change gets many values at
 * once (its stdin closed), delivery reports are watched, and the leader is killed while most are still to go;
 * librdkafka keeps them queued until the new leader takes them.
 */
function kcatClient(bootstrap: string, topic: string): LeadershipClient {
  const outcomes = new Outcomes();
  let log = '';
  const keep = (s: string): void => {
    log = (log + s + '\n').slice(-20_000);
  };
  const startProducer = (values: string[]): Promise<number | null> => {
    const producer = spawnTracked('kcat', [
      ...['-b', bootstrap, '-P', '-t', topic, '-p', '0'],
      ...['-X', 'acks=all', '-X', 'enable.idempotence=true', '-X', 'message.timeout.ms=60000'],
      ...['-X', 'reconnect.backoff.max.ms=1000', '-X', 'batch.num.messages=100'],
      // Verbosity 3 prints one delivery report per message, in produce order for the partition.
      ...['-v', '-v', '-v'],
    ]);
    const pending = [...values];
    createInterface({ input: producer.proc.stderr! }).on('line', (line) => {
      const delivered = /Message delivered to partition \d+ \(offset (\d+)\)/.exec(line);
      if (delivered) {
        const v = pending.shift();
        if (v !== undefined) outcomes.acked.set(v, Number(delivered[1]));
        return;
      }
      keep(`kcat -P: ${line}`);
      if (/Delivery failed/i.test(line)) {
        const v = pending.shift();
        if (v !== undefined) outcomes.failed.set(v, line);
      }
    });
    outcomes.sent.push(...values);
    producer.proc.stdin!.end(values.map((v) => `${v}\n`).join(''));
    return producer.exited;
  };
  const settle = async (values: string[], exited: Promise<number | null>): Promise<void> => {
    const code = await exited;
    if (code !== 0) throw new Error(`kcat -P exited with ${String(code)}:\n${log}`);
    if (!outcomes.settled(values))
      throw new Error(`kcat -P exited without a delivery report for every message:\n${log}`);
  };
  const consumer = spawnTracked('kcat', [
    ...['-b', bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-J', '-u', '-q'],
    ...['-X', 'reconnect.backoff.max.ms=1000'],
  ]);
  createInterface({ input: consumer.proc.stdout! }).on('line', (line) => {
    try {
      const j = JSON.parse(line) as { offset: number; payload: string | null };
      outcomes.consumed.push({ value: j.payload ?? '', offset: j.offset });
    } catch {
      keep(`kcat -C stdout: ${line}`);
    }
  });
  createInterface({ input: consumer.proc.stderr! }).on('line', (line) => keep(`kcat -C: ${line}`));
  void consumer.exited.then((code) => keep(`kcat -C exited with ${String(code)}`));
  return {
    outcomes,
    async produceAcrossKill(kill) {
      const before = Array.from({ length: 1000 }, (_, i) => `before-${i}`);
      const during = Array.from({ length: 20_000 }, (_, i) => `during-${i}`);
      const exited = startProducer([...before, ...during]);
      await waitUntil(
        () =>
          `kcat reported ${before.filter((v) => outcomes.acked.has(v)).length} of ${before.length} deliveries`,
        () => outcomes.settled(before),
        60_000,
      );
      await kill();
      await settle([...before, ...during], exited);
    },
    async produce(prefix, n) {
      const values = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
      await settle(values, startProducer(values));
    },
    async close() {
      consumer.proc.kill('SIGTERM');
      await consumer.exited;
    },
    output: () => log,
  };
}

type PyEvent =
  | { e: 'ready' }
  | { e: 'ack'; value: string; offset: number }
  | { e: 'error'; value: string; err: string }
  | { e: 'done'; prefix: string }
  | { e: 'consumed'; value: string; offset: number }
  | { e: 'consumer-error' | 'consumer-failed'; err: string };

/** kafka-python or confluent-kafka-python: py/cluster_leadership.py, one producer and one consumer. */
async function pythonClient(
  kind: 'kafka-python' | 'confluent',
  bootstrap: string,
  topic: string,
): Promise<LeadershipClient> {
  const outcomes = new Outcomes();
  const script = join(__dirname, 'py', 'cluster_leadership.py');
  const child = spawnTracked(SYSTEM_PYTHON, [
    script,
    kind,
    JSON.stringify({ bootstrap, topic, partition: 0 }),
  ]);
  let log = '';
  const keep = (s: string): void => {
    log = (log + s + '\n').slice(-20_000);
  };
  let ready = false;
  const done = new Set<string>();
  createInterface({ input: child.proc.stdout! }).on('line', (line) => {
    let ev: PyEvent;
    try {
      ev = JSON.parse(line) as PyEvent;
    } catch {
      keep(`stdout: ${line}`);
      return;
    }
    if (ev.e === 'ready') ready = true;
    else if (ev.e === 'ack') outcomes.acked.set(ev.value, ev.offset);
    else if (ev.e === 'error') outcomes.failed.set(ev.value, ev.err);
    else if (ev.e === 'done') done.add(ev.prefix);
    else if (ev.e === 'consumed') outcomes.consumed.push({ value: ev.value, offset: ev.offset });
    else keep(`${ev.e}: ${ev.err}`);
  });
  createInterface({ input: child.proc.stderr! }).on('line', (line) => keep(`stderr: ${line}`));
  let exitCode: number | null | undefined;
  void child.exited.then((c) => (exitCode = c));
  await waitUntil(
    () => `${kind} did not start (exit ${String(exitCode)}):\n${log}`,
    () => ready || exitCode !== undefined,
    30_000,
  );
  if (!ready) throw new Error(`${kind} exited with ${String(exitCode)} before it was ready:\n${log}`);
  const client: LeadershipClient = {
    outcomes,
    async produceAcrossKill(kill) {
      await client.produce('before', 20, 20);
      await kill();
      await client.produce('during', 40, 100);
    },
    async produce(prefix, n, pauseMs) {
      for (let i = 0; i < n; i++) outcomes.sent.push(`${prefix}-${i}`);
      child.proc.stdin!.write(`produce ${prefix} ${n} ${pauseMs}\n`);
      await waitUntil(
        () => `${kind} did not report every outcome of ${prefix} (exit ${String(exitCode)}):\n${log}`,
        () => done.has(prefix) || exitCode !== undefined,
        120_000,
      );
      if (!done.has(prefix))
        throw new Error(`${kind} exited with ${String(exitCode)} while producing:\n${log}`);
    },
    async close() {
      child.proc.stdin!.end('stop\n');
      const code = await child.exited;
      if (code !== 0) throw new Error(`${kind} exited with ${String(code)}:\n${log}`);
    },
    output: () => log,
  };
  return client;
}

describe('clients across a partition leader change (coordinator + 3 brokers, RF 3)', () => {
  let cluster: ChaosCluster;
  let kafka: Kafka;

  beforeAll(async () => {
    cluster = await startMultiBrokerCluster({
      brokers: 3,
      leaseMs: LEASE_MS,
      dataDir: makeTempDir('tributary-leadership-'),
      brokerConfig: { 'auto.create.topics.enable': false, 'offsets.topic.num.partitions': 3 },
    });
    kafka = new Kafka({
      clientId: 'cluster-leadership',
      brokers: cluster.bootstrap.split(','),
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  });

  afterAll(async () => {
    await cluster?.dispose(false);
  });

  async function createTopic(topic: string): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: 1,
            replicationFactor: 3,
            configEntries: [{ name: 'min.insync.replicas', value: '2' }],
          },
        ],
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    expect(await cluster.awaitHealthy(30_000)).toBe(true);
  }

  /**
   * Batch `before`, kill -9 the leader, batch `during` (sent while the leader moves), restart the old leader,
   * batch `after`; then every acknowledged value must be consumed, at its acknowledged offset, by the consumer
   * started before all this.
   */
  async function acrossLeaderChange(
    topic: string,
    start: () => Promise<LeadershipClient>,
    idempotent: boolean,
  ): Promise<void> {
    await createTopic(topic);
    const client = await start();
    const o = client.outcomes;
    // Set inside the kill callback: an object, so the compiler does not narrow it to null.
    const down: { node: ChaosNode | null } = { node: null };
    let ackedAtKill = 0;
    try {
      await client.produceAcrossKill(async () => {
        down.node = await cluster.leaderOf(topic, 0);
        await down.node.kill9();
        ackedAtKill = o.acked.size;
      });
      const newLeader = await cluster.leaderOf(topic, 0);
      expect(newLeader.name).not.toBe(down.node?.name);
      await down.node?.restart();
      down.node = null;
      expect(await cluster.awaitHealthy(30_000)).toBe(true);
      await client.produce('after', 20, 20);
      await waitUntil(
        () => {
          const seen = new Set(o.consumed.map((m) => m.value));
          const missing = [...o.acked.keys()].filter((v) => !seen.has(v));
          return (
            `the consumer got ${o.consumed.length} messages and still misses ${missing.length} acknowledged ` +
            `values (${missing.slice(0, 5).join(', ')})`
          );
        },
        () => {
          const seen = new Set(o.consumed.map((m) => m.value));
          return [...o.acked.keys()].every((v) => seen.has(v));
        },
        30_000,
      );
    } catch (e) {
      throw new Error(`${String(e)}\nclient output:\n${client.output()}`);
    } finally {
      await down.node?.restart();
      await client.close();
    }

    // The same producer had acknowledgements after the kill, before the old leader came back.
    const ackedBeforeRestart = [...o.acked.keys()].filter((v) => !v.startsWith('after-')).length;
    expect(ackedBeforeRestart).toBeGreaterThan(ackedAtKill);
    expect([...o.acked.keys()].filter((v) => v.startsWith('after-'))).toHaveLength(20);

    const sent = new Set(o.sent);
    const byOffset = new Map(o.consumed.map((m) => [m.offset, m.value]));
    const seen = new Set(o.consumed.map((m) => m.value));
    const lost = [...o.acked.keys()].filter((v) => !seen.has(v));
    const unexpected = o.consumed.filter((m) => !sent.has(m.value));
    const wrongOffset = [...o.acked].filter(([v, off]) => byOffset.get(off) !== v);
    // The consumer was never restarted or repositioned: offsets only go forward.
    const backwards = o.consumed.filter((m, i) => i > 0 && m.offset <= o.consumed[i - 1]!.offset);
    expect({ lost, unexpected, wrongOffset, backwards }).toEqual({
      lost: [],
      unexpected: [],
      wrongOffset: [],
      backwards: [],
    });
    if (idempotent) {
      const counts = new Map<string, number>();
      for (const m of o.consumed) counts.set(m.value, (counts.get(m.value) ?? 0) + 1);
      expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    }
  }

  it('kcat (librdkafka, idempotent) produces and consumes across a leader change', async () => {
    await acrossLeaderChange(
      'leadership-kcat',
      async () => kcatClient(cluster.bootstrap, 'leadership-kcat'),
      true,
    );
  });

  it('kafka-python produces and consumes across a leader change', async () => {
    await acrossLeaderChange(
      'leadership-kafka-python',
      () => pythonClient('kafka-python', cluster.bootstrap, 'leadership-kafka-python'),
      false,
    );
  });

  it('confluent-kafka-python (idempotent) produces and consumes across a leader change', async () => {
    await acrossLeaderChange(
      'leadership-confluent',
      () => pythonClient('confluent', cluster.bootstrap, 'leadership-confluent'),
      true,
    );
  });
});
