import type { Admin, Consumer, Kafka } from 'kafkajs';
import { PRODUCER_ID_BLOCK_SIZE } from '@tributary/cluster';
import {
  ApiKey,
  ErrorCode,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  Reader,
  Writer,
} from '@tributary/protocol';
import { RawKafkaClient, sleep, clusterKafka, startCluster, type ClusterHandle } from '@tributary/testing';

jest.setTimeout(180_000);

const LEASE_MS = 2500;

/** One request on a fresh connection; the decoded response body. */
async function rawCall<T>(
  port: number,
  apiKey: ApiKey,
  version: number,
  encode: (w: Writer) => void,
  decode: (r: Reader) => T,
): Promise<T> {
  const raw = await RawKafkaClient.connect(port);
  try {
    const w = new Writer();
    encode(w);
    return decode(new Reader(await raw.request(apiKey, version, w.toBuffer())));
  } finally {
    raw.destroy();
  }
}

/** Retries `attempt` (connection refused, retriable error) until it returns a value, for at most `ms`. */
async function eventually<T>(what: string, ms: number, attempt: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  let last = 'no attempt finished';
  for (;;) {
    try {
      const v = await attempt();
      if (v !== null) return v;
      last = 'retriable answer';
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) throw new Error(`${what} did not succeed within ${ms} ms (last: ${last})`);
    await sleep(100);
  }
}

/** InitProducerId v1 (idempotent producer) to one broker, retried while it answers COORDINATOR_NOT_AVAILABLE. */
function initProducerId(port: number): Promise<number> {
  return eventually(`InitProducerId on port ${port}`, 30_000, async () => {
    const res: InitProducerIdResponse = await rawCall(
      port,
      ApiKey.InitProducerId,
      1,
      (w) => InitProducerIdRequest.encode(w, 1, { transactionalId: null, transactionTimeoutMs: 60_000 }),
      (r) => InitProducerIdResponse.decode(r, 1),
    );
    if (res.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) return null;
    expect(res).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
    return Number(res.producerId);
  });
}

/** FindCoordinator v1 for a group: the node id of its coordinator, once there is one. */
function findCoordinator(port: number, groupId: string): Promise<number> {
  return eventually(`FindCoordinator(${groupId})`, 30_000, async () => {
    const res: FindCoordinatorResponse = await rawCall(
      port,
      ApiKey.FindCoordinator,
      1,
      (w) => FindCoordinatorRequest.encode(w, 1, { key: groupId, keyType: 0 }),
      (r) => FindCoordinatorResponse.decode(r, 1),
    );
    return res.errorCode === ErrorCode.NONE ? res.nodeId : null;
  });
}

describe('cluster: producer ids come in blocks from the coordinator', () => {
  let cluster: ClusterHandle;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, leaseMs: LEASE_MS });
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('hands out distinct ids on every broker, across a broker restart and a coordinator restart', async () => {
    const seen = new Set<number>();
    const blocks = new Set<number>();
    const take = async (nodeId: number): Promise<number> => {
      const id = await initProducerId(cluster.broker(nodeId).port);
      expect(seen.has(id)).toBe(false);
      seen.add(id);
      return id;
    };
    // Every block is PRODUCER_ID_BLOCK_SIZE ids starting at a multiple of it.
    const blockOf = (id: number): number => Math.floor(id / PRODUCER_ID_BLOCK_SIZE);

    const first = [await take(1), await take(2), await take(3)];
    expect(new Set(first.map(blockOf)).size).toBe(3); // one block per broker
    for (const id of first) blocks.add(blockOf(id));
    for (const nodeId of [1, 2, 3]) await take(nodeId);

    // A restarted broker forgets its block; the coordinator gives it a new one, never an old one.
    await cluster.broker(2).restart();
    const afterBrokerRestart = await take(2);
    expect(blocks.has(blockOf(afterBrokerRestart))).toBe(false);
    blocks.add(blockOf(afterBrokerRestart));

    // The coordinator keeps the next free id in its metadata log: after kill -9 it continues past every block.
    await cluster.coordinator.kill9();
    await cluster.coordinator.restart();
    await cluster.broker(3).restart();
    const afterCoordinatorRestart = await take(3);
    expect(blocks.has(blockOf(afterCoordinatorRestart))).toBe(false);
    for (const nodeId of [1, 2, 3]) await take(nodeId);
    expect(seen.size).toBe(3 + 3 + 1 + 1 + 3);
  });
});

const TOPIC = 'ledger';
const GROUP = 'ledger-readers';
const PARTITIONS = 3;

interface Delivery {
  partition: number;
  offset: number;
  key: string;
  afterKill: boolean;
}

/**
 * A kafkajs consumer group commits after every message; the broker coordinating the group is killed with
 * SIGKILL mid-stream. The group must carry on at the new coordinator (the new leader of the group's
 * `__consumer_offsets` partition) from the committed offsets: no committed offset ever reads lower than one
 * already acknowledged, and every produced message is consumed.
 */
describe('cluster: group coordination moves with the offsets partition leadership', () => {
  let cluster: ClusterHandle;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      leaseMs: LEASE_MS,
      brokerConfig: {
        'offsets.topic.num.partitions': 3,
        'group.initial.rebalance.delay.ms': 0,
        'replica.lag.time.max.ms': 5000,
      },
    });
    kafka = clusterKafka(cluster, 'cluster-groups-e2e');
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await cluster?.dispose();
  });

  it('re-forms the group on the new coordinator and resumes from the committed offsets', async () => {
    // Stopped whatever happens, so a failure does not leave clients running.
    const cleanup: (() => Promise<unknown>)[] = [];
    try {
      await groupFailover(cluster, kafka, admin, cleanup);
    } finally {
      for (const c of cleanup.reverse()) await c().catch(() => undefined);
    }
  });
});

async function groupFailover(
  cluster: ClusterHandle,
  kafka: Kafka,
  admin: Admin,
  cleanup: (() => Promise<unknown>)[],
): Promise<void> {
  await admin.createTopics({
    topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3 }],
    waitForLeaders: true,
  });
  // Idempotent: a retried send never writes a message twice, so offsets are exactly 0..n-1 per partition.
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  let produced = 0;
  const produce = async (n: number): Promise<void> => {
    const messages = Array.from({ length: n }, (_, i) => ({
      partition: (produced + i) % PARTITIONS,
      key: `k${produced + i}`,
      value: `v${produced + i}`,
    }));
    await producer.send({ topic: TOPIC, acks: -1, messages });
    produced += n;
  };
  const perPartition = (): number => produced / PARTITIONS;

  const anyPort = cluster.brokers[0]!.port;
  const coordinatorId = await findCoordinator(anyPort, GROUP);
  // An idle group on the same coordinator: its offsets can only come back from the replayed partition.
  let idle = '';
  for (let i = 0; idle === ''; i++) {
    if (i > 200) throw new Error(`no probe group id maps to coordinator ${coordinatorId}`);
    if ((await findCoordinator(anyPort, `idle-${i}`)) === coordinatorId) idle = `idle-${i}`;
  }
  await produce(PARTITIONS * 20);
  await admin.setOffsets({ groupId: idle, topic: TOPIC, partitions: [{ partition: 0, offset: '13' }] });

  // Commits the consumer saw acknowledged (highest per partition) and every delivery, in order.
  const acked = new Map<number, number>();
  const deliveries: Delivery[] = [];
  let killed = false;
  const consumer: Consumer = kafka.consumer({
    groupId: GROUP,
    sessionTimeout: 6000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 300,
    // kafkajs retries a failed commit against the coordinator it joined even after that broker died (only a
    // live coordinator can answer NOT_COORDINATOR); once its retries run out the consumer restarts, finds the
    // new coordinator and joins there. Few, short retries keep that wait short.
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 300 },
  });
  await consumer.connect();
  cleanup.push(() => consumer.disconnect());
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const offset = Number(message.offset);
      deliveries.push({ partition, offset, key: message.key!.toString(), afterKill: killed });
      await sleep(20); // "processing": keeps commits in flight when the coordinator dies
      await consumer.commitOffsets([{ topic: TOPIC, partition, offset: String(offset + 1) }]);
      acked.set(partition, Math.max(acked.get(partition) ?? 0, offset + 1));
    },
  });

  // OffsetFetch sampler: a committed offset never reads below one acknowledged before the sample was sent,
  // and never goes down from one sample to the next.
  const problems: string[] = [];
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    const last = new Map<number, number>();
    while (sampling) {
      const floor = new Map(acked);
      try {
        const [res] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
        for (const p of res!.partitions) {
          const v = Number(p.offset);
          const min = Math.max(floor.get(p.partition) ?? -1, last.get(p.partition) ?? -1);
          if (v < min) problems.push(`partition ${p.partition}: committed offset read ${v}, below ${min}`);
          last.set(p.partition, Math.max(v, last.get(p.partition) ?? -1));
        }
        samples++;
      } catch {
        // no coordinator for a moment (the kill): the next sample asks again
      }
      await sleep(50);
    }
  })();
  cleanup.push(() => {
    sampling = false;
    return sampler;
  });

  const committedAll = (what: string): Promise<unknown> =>
    eventually(what, 60_000, () =>
      Promise.resolve(
        [...Array(PARTITIONS).keys()].every((p) => acked.get(p) === perPartition()) ? true : null,
      ),
    ).catch((e: Error) => {
      throw new Error(`${e.message}; acked ${JSON.stringify([...acked])}\n${cluster.logs()}`);
    });
  await committedAll('first batch consumed and committed');

  // Second batch: kill the group's coordinator while the consumer works through it.
  const beforeSecond = deliveries.length;
  await produce(PARTITIONS * 20);
  await eventually('part of the second batch consumed', 30_000, () =>
    Promise.resolve(deliveries.length >= beforeSecond + 12 ? true : null),
  );
  const ackedAtKill = new Map(acked);
  killed = true;
  await cluster.broker(coordinatorId).kill9();
  await committedAll('second batch committed after the coordinator was killed');

  const survivor = cluster.brokers.find((b) => b.running)!.port;
  expect(await findCoordinator(survivor, GROUP)).not.toBe(coordinatorId);
  // Nobody wrote the idle group's offsets after the kill: the new coordinator read them from the log.
  const [idleNow] = await admin.fetchOffsets({ groupId: idle, topics: [TOPIC] });
  expect(idleNow!.partitions.find((p) => p.partition === 0)!.offset).toBe('13');
  const described = await admin.describeGroups([GROUP]);
  expect(described.groups[0]).toMatchObject({ groupId: GROUP, state: 'Stable' });
  expect(described.groups[0]!.members).toHaveLength(1);

  sampling = false;
  await sampler;
  await consumer.disconnect();

  // Nothing acknowledged was skipped, and nothing below the offsets committed at the kill was read again.
  const keys = new Set(deliveries.map((d) => d.key));
  expect([...Array(produced).keys()].filter((i) => !keys.has(`k${i}`))).toEqual([]);
  const reread = deliveries.filter((d) => d.afterKill && d.offset < (ackedAtKill.get(d.partition) ?? 0));
  expect(reread).toEqual([]);
  expect(problems).toEqual([]);
  expect(samples).toBeGreaterThan(0);

  // A fresh member joins at the new coordinator and starts exactly at the committed offsets.
  const committed = perPartition();
  await produce(PARTITIONS * 5);
  const fresh = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 300 });
  await fresh.connect();
  cleanup.push(() => fresh.disconnect());
  const firstOffsets = new Map<number, number>();
  const seenKeys = new Set<string>();
  await fresh.subscribe({ topic: TOPIC, fromBeginning: true });
  await fresh.run({
    eachMessage: async ({ partition, message }) => {
      if (!firstOffsets.has(partition)) firstOffsets.set(partition, Number(message.offset));
      seenKeys.add(message.key!.toString());
    },
  });
  await eventually('the third batch consumed by a fresh member', 60_000, () =>
    Promise.resolve(seenKeys.size >= PARTITIONS * 5 ? true : null),
  );
  expect([...firstOffsets].sort((a, b) => a[0] - b[0])).toEqual(
    [...Array(PARTITIONS).keys()].map((p) => [p, committed]),
  );
}
