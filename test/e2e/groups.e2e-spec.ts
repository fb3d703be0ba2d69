import { spawn, type ChildProcess } from 'node:child_process';
import { AssignerProtocol, Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { repoRoot, sleep, startBroker, trackChild, type BrokerHandle } from '@tributary/testing';

jest.setTimeout(120_000);

/** Fast rebalances for tests: no initial delay, short sessions allowed. */
const BROKER_CONFIG = { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 };
const SESSION_MS = 4000;
/**
 * kafkajs heartbeats between fetches, and its fetches share the coordinator connection, so a fetch's max wait
 * must stay well below the session timeout (as with real Kafka).
 */
const CONSUMER_OPTS = {
  sessionTimeout: SESSION_MS,
  heartbeatInterval: 300,
  rebalanceTimeout: 10_000,
  maxWaitTimeInMs: 500,
  retry: { retries: 10 },
};

interface MemberView {
  memberId: string;
  clientId: string;
  partitions: number[];
}

/** Polls until `check` returns a value (not undefined), failing with `what` and the last seen state at the deadline. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `; last error: ${String(last)}` : ''}`);
    await sleep(200);
  }
}

/** The broker's view of a group: state and each member's partitions of `topic`, decoded from DescribeGroups. */
async function describeGroup(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<{ state: string; members: MemberView[] }> {
  const { groups } = await admin.describeGroups([groupId]);
  const g = groups[0]!;
  return {
    state: g.state,
    members: g.members.map((m) => {
      const decoded =
        m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
      return {
        memberId: m.memberId,
        clientId: m.clientId,
        partitions: [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b),
      };
    }),
  };
}

/** Resolves with the members once the group is Stable with `n` members that own every partition exactly once. */
function stableSplit(
  admin: Admin,
  groupId: string,
  topic: string,
  n: number,
  partitions: number,
): Promise<MemberView[]> {
  return waitFor(`group ${groupId} stable with ${n} members splitting ${partitions} partitions`, async () => {
    const d = await describeGroup(admin, groupId, topic);
    if (d.state !== 'Stable' || d.members.length !== n) return undefined;
    const owned = d.members.flatMap((m) => m.partitions).sort((a, b) => a - b);
    if (owned.length !== partitions) return undefined;
    return d.members;
  });
}

function assertDisjointCover(members: MemberView[], partitions: number): void {
  const owned = members.flatMap((m) => m.partitions);
  expect(new Set(owned).size).toBe(owned.length); // no partition owned twice
  expect(owned.sort((a, b) => a - b)).toEqual(Array.from({ length: partitions }, (_, i) => i));
  for (const m of members) expect(m.partitions.length).toBeGreaterThan(0);
}

describe('consumer groups with kafkajs against the real broker', () => {
  let broker: BrokerHandle;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    broker = await startBroker({ config: BROKER_CONFIG });
    kafka = new Kafka({ clientId: 'groups-e2e', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
  });

  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await Promise.all(consumers.splice(0).map((c) => c.disconnect().catch(() => undefined)));
  });

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await broker?.dispose();
  });

  async function topicWithPartitions(topic: string, numPartitions: number): Promise<void> {
    await admin.createTopics({
      topics: [{ topic, numPartitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  }

  /** Starts a kafkajs consumer in this process; records every value it sees. */
  async function startConsumer(
    groupId: string,
    topic: string,
    clientId: string,
    seen: string[] = [],
  ): Promise<Consumer> {
    const c = new Kafka({ clientId, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).consumer({
      groupId,
      ...CONSUMER_OPTS,
    });
    consumers.push(c);
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
      },
    });
    return c;
  }

  it('two, then three members split a 6-partition topic with no partition owned twice, and consume everything', async () => {
    const topic = 'split-6';
    const groupId = 'split-group';
    await topicWithPartitions(topic, 6);
    await producer.send({
      topic,
      messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    const seen: string[] = [];
    await startConsumer(groupId, topic, 'member-a', seen);
    await startConsumer(groupId, topic, 'member-b', seen);
    assertDisjointCover(await stableSplit(admin, groupId, topic, 2, 6), 6);

    await startConsumer(groupId, topic, 'member-c', seen);
    const three = await stableSplit(admin, groupId, topic, 3, 6);
    assertDisjointCover(three, 6);
    expect(three.map((m) => m.partitions.length)).toEqual([2, 2, 2]);

    await waitFor('all 60 records consumed by the group', async () =>
      new Set(seen).size === 60 ? true : undefined,
    );
    expect([...new Set(seen)].sort()).toEqual(Array.from({ length: 60 }, (_, i) => `v${i}`).sort());
  });

  it('a member killed with SIGKILL (no LeaveGroup) hands its partitions over after its session times out', async () => {
    const topic = 'handover-6';
    const groupId = 'handover-group';
    await topicWithPartitions(topic, 6);
    const script = `
      const { Kafka, logLevel } = require('kafkajs');
      const c = new Kafka({ clientId: 'doomed', brokers: [${JSON.stringify(broker.bootstrap)}], logLevel: logLevel.NOTHING })
        .consumer({ groupId: ${JSON.stringify(groupId)}, ...${JSON.stringify(CONSUMER_OPTS)} });
      (async () => {
        await c.connect();
        await c.subscribe({ topic: ${JSON.stringify(topic)}, fromBeginning: true });
        await c.run({ eachMessage: async () => {} });
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script], {
      cwd: repoRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    children.push(child);
    const seen: string[] = [];
    await startConsumer(groupId, topic, 'survivor', seen);
    const two = await stableSplit(admin, groupId, topic, 2, 6);
    assertDisjointCover(two, 6);
    const doomed = two.find((m) => m.clientId === 'doomed')!;
    expect(doomed.partitions.length).toBeGreaterThan(0);

    child.kill('SIGKILL');
    const one = await stableSplit(admin, groupId, topic, 1, 6);
    expect(one[0]!.clientId).toBe('survivor');
    expect(one[0]!.partitions).toEqual([0, 1, 2, 3, 4, 5]);

    // The survivor really consumes the partitions it took over.
    await producer.send({
      topic,
      messages: [0, 1, 2, 3, 4, 5].map((p) => ({ partition: p, value: `after-${p}` })),
    });
    await waitFor('the survivor to consume a record from every partition', async () =>
      [0, 1, 2, 3, 4, 5].every((p) => seen.includes(`after-${p}`)) ? true : undefined,
    );
  });

  it('committed offsets survive a broker crash and restart: the group resumes with nothing skipped or re-read', async () => {
    const topic = 'resume-3';
    const groupId = 'resume-group';
    await topicWithPartitions(topic, 3);
    await producer.send({
      topic,
      messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: `old-${i}` })),
    });
    const seenBefore: string[] = [];
    const first = await startConsumer(groupId, topic, 'before', seenBefore);
    await waitFor('all 30 old records committed', async () => {
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      const sum = offsets[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0);
      return sum === 30 ? true : undefined;
    });
    await first.disconnect();
    consumers.splice(consumers.indexOf(first), 1);

    await producer.disconnect();
    await admin.disconnect();
    await broker.kill9();
    await broker.restart();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();

    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '10'],
      [1, '10'],
      [2, '10'],
    ]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(groupId);

    await producer.send({
      topic,
      messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: `new-${i}` })),
    });
    const seenAfter: string[] = [];
    await startConsumer(groupId, topic, 'after', seenAfter);
    await waitFor('the 30 new records', async () =>
      seenAfter.filter((v) => v.startsWith('new-')).length >= 30 ? true : undefined,
    );
    // Records of a partition arrive in offset order, so an old record re-read would have shown up before these.
    expect(seenAfter.filter((v) => v.startsWith('old-'))).toEqual([]);
    expect([...new Set(seenAfter)].sort()).toEqual(Array.from({ length: 30 }, (_, i) => `new-${i}`).sort());
  });

  it('lists, describes and deletes groups through the admin API', async () => {
    const topic = 'admin-groups';
    const groupId = 'admin-group';
    await topicWithPartitions(topic, 2);
    const c = await startConsumer(groupId, topic, 'admin-member');
    await stableSplit(admin, groupId, topic, 1, 2);
    const listed = (await admin.listGroups()).groups.find((g) => g.groupId === groupId);
    expect(listed).toEqual({ groupId, protocolType: 'consumer' });
    await expect(admin.deleteGroups([groupId])).rejects.toThrow();
    await c.disconnect();
    consumers.splice(consumers.indexOf(c), 1);
    expect((await describeGroup(admin, groupId, topic)).state).toBe('Empty');
    const deleted = await admin.deleteGroups([groupId]);
    expect(deleted).toEqual([expect.objectContaining({ groupId, errorCode: 0 })]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);
    expect((await describeGroup(admin, groupId, topic)).state).toBe('Dead');
  });
});
