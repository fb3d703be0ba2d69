import { join } from 'node:path';
import { AssignerProtocol, Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import {
  GroupMemberProcess,
  kafkajsGroupMemberEntry,
  waitUntil,
  type HistoryMessage,
  type MemberEvent,
} from '@tributary/testing';
import { SYSTEM_PYTHON } from './python-client';

/**
 * Consumer-group members of every client family as child processes, plus the group-level checks the group compat
 * suites share. Every member reports its assignment, processed messages and commits as MemberEvents.
 */
export type MemberFamily =
  'kafkajs' | 'kcat' | 'confluent-range' | 'confluent-cooperative-sticky' | 'kafka-python';

export interface MemberSettings {
  bootstrap: string;
  topic: string;
  group: string;
  /** Short, so a killed member is noticed quickly; the broker's group.min.session.timeout.ms must allow it. */
  sessionTimeoutMs: number;
  /** Commit after this many processed messages; 1 = after each. kcat auto-commits every 100 ms instead. */
  commitEvery?: number;
  /** Leave the group cleanly after this many messages, without committing the uncommitted tail. */
  stopAfter?: number;
}

let counter = 0;

export function startMember(family: MemberFamily, s: MemberSettings): GroupMemberProcess {
  const name = `${family}-${++counter}`;
  const py = (script: string, strategy: string): GroupMemberProcess =>
    new GroupMemberProcess({
      name,
      cmd: SYSTEM_PYTHON,
      args: [
        join(__dirname, 'py', script),
        JSON.stringify({
          bootstrap: s.bootstrap,
          topic: s.topic,
          group: s.group,
          session_timeout_ms: s.sessionTimeoutMs,
          heartbeat_interval_ms: 500,
          strategy,
          commit_every: s.commitEvery ?? 1,
          stop_after: s.stopAfter ?? null,
        }),
      ],
    });
  switch (family) {
    case 'kafkajs':
      return new GroupMemberProcess({
        name,
        cmd: process.execPath,
        args: [
          kafkajsGroupMemberEntry(),
          JSON.stringify({
            bootstrap: s.bootstrap,
            topic: s.topic,
            group: s.group,
            sessionTimeoutMs: s.sessionTimeoutMs,
            heartbeatIntervalMs: 500,
            commitEvery: s.commitEvery ?? 1,
            stopAfter: s.stopAfter,
          }),
        ],
      });
    case 'kcat':
      if (s.stopAfter !== undefined || (s.commitEvery ?? 1) !== 1)
        throw new Error('kcat -G cannot stop after N messages or commit manually; use another family');
      return startKcatMember(name, s);
    case 'confluent-range':
      return py('groups_confluent_member.py', 'range');
    case 'confluent-cooperative-sticky':
      return py('groups_confluent_member.py', 'cooperative-sticky');
    case 'kafka-python':
      return py('groups_kafka_python_member.py', 'range,roundrobin');
  }
}

/**
 * `kcat -G` (librdkafka's balanced consumer). Messages come as -J JSON lines on stdout; assignments are the
 * "% Group <g> rebalanced (memberid ...): assigned: t [0], t [3]" lines kcat prints on stderr. Offsets are stored
 * when a message is handed to kcat and auto-committed every 100 ms and on revoke (librdkafka's default).
 */
function startKcatMember(name: string, s: MemberSettings): GroupMemberProcess {
  const owned = new Set<number>();
  const rebalance = /rebalanced \(memberid [^)]*\): (assigned|revoked): ?(.*)$/;
  const parseLine = (line: string, stream: 'stdout' | 'stderr'): MemberEvent[] => {
    if (stream === 'stdout') {
      if (!line.startsWith('{')) return [];
      const j = JSON.parse(line) as {
        partition: number;
        offset: number;
        key: string | null;
        payload: string | null;
      };
      return [{ event: 'message', partition: j.partition, offset: j.offset, key: j.key, value: j.payload }];
    }
    const m = rebalance.exec(line);
    if (!m) return /error|fail/i.test(line) ? [{ event: 'error', message: line }] : [];
    const parts = [...m[2]!.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
    if (m[1] === 'assigned') for (const p of parts) owned.add(p);
    else for (const p of parts) owned.delete(p);
    return [{ event: 'assignment', partitions: [...owned] }];
  };
  const x = (kv: string): string[] => ['-X', kv];
  return new GroupMemberProcess({
    name,
    cmd: 'kcat',
    args: [
      '-b',
      s.bootstrap,
      '-G',
      s.group,
      '-J',
      '-u',
      ...x(`session.timeout.ms=${s.sessionTimeoutMs}`),
      ...x('heartbeat.interval.ms=500'),
      ...x('auto.offset.reset=earliest'),
      ...x('auto.commit.interval.ms=100'),
      ...x('partition.assignment.strategy=range'),
      s.topic,
    ],
    parseLine,
  });
}

/**
 * Every message any of `members` processed, as history entries (key + value identity, offset kept), ordered by
 * partition and offset: a partition moves between members, so the order across members means nothing, and order
 * within a partition is what offsets say.
 */
export function consumedBy(members: readonly GroupMemberProcess[]): HistoryMessage[] {
  return members
    .flatMap((m) =>
      m.messages().map((e) => ({ partition: e.partition, offset: e.offset, key: e.key, value: e.value })),
    )
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Waits until every sent message has been processed by some member (duplicates are checked separately). */
export async function waitAllConsumed(
  members: readonly GroupMemberProcess[],
  sent: readonly HistoryMessage[],
  timeoutMs = 45_000,
): Promise<void> {
  const want = new Set(sent.map((m) => `${m.partition}/${m.key}`));
  let missing = want.size;
  await waitUntil(
    () => {
      const got = new Set(consumedBy(members).map((m) => `${m.partition}/${m.key}`));
      missing = [...want].filter((k) => !got.has(k)).length;
      return missing === 0;
    },
    `all ${sent.length} produced messages to be consumed by the group (still missing some)`,
    timeoutMs,
    members,
  ).catch((e: Error) => {
    throw new Error(`${missing} of ${want.size} messages never consumed; ${e.message}`);
  });
}

/**
 * Waits until the live members split `partitions` among themselves: exactly `expected` live members, each owning
 * at least one partition, together owning all of them, and no assignment change for a second (so a transient
 * view halfway through a rebalance is never taken for the result). Returns member name -> owned partitions.
 * Ownership is not required to be disjoint here, so a double assignment fails the caller's assertion clearly
 * instead of timing out.
 */
export async function waitSettled(
  members: readonly GroupMemberProcess[],
  expected: number,
  partitions: number,
  timeoutMs = 45_000,
): Promise<Map<string, number[]>> {
  let signature = '';
  let since = Date.now();
  const live = (): GroupMemberProcess[] => members.filter((m) => m.alive());
  await waitUntil(
    () => {
      const now = live();
      const sig = now.map((m) => `${m.name}:${m.partitions().join(',')}`).join(' ');
      if (sig !== signature) {
        signature = sig;
        since = Date.now();
      }
      const union = new Set(now.flatMap((m) => m.partitions()));
      const covered =
        now.length === expected && now.every((m) => m.partitions().length > 0) && union.size === partitions;
      return covered && Date.now() - since >= 1000;
    },
    `${expected} live members to split ${partitions} partitions (last view: ${signature || 'none'})`,
    timeoutMs,
    members,
  );
  return new Map(live().map((m) => [m.name, m.partitions()]));
}

/** Asserts that no partition is owned twice and every partition 0..n-1 is owned. */
export function expectExactSplit(view: Map<string, number[]>, partitions: number): void {
  const owners = new Map<number, string[]>();
  for (const [name, ps] of view) for (const p of ps) owners.set(p, [...(owners.get(p) ?? []), name]);
  const doubled = [...owners].filter(([, names]) => names.length > 1);
  if (doubled.length > 0)
    throw new Error(
      `partitions owned by more than one member: ${doubled.map(([p, n]) => `${p} by ${n.join('+')}`).join('; ')}`,
    );
  expect([...owners.keys()].sort((a, b) => a - b)).toEqual([...Array(partitions).keys()]);
}

/** kafkajs admin and producer for topic setup, producing, and looking at the group from the outside. */
export class GroupTestClient {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;

  constructor(bootstrap: string) {
    this.kafka = new Kafka({
      clientId: 'groups-compat-driver',
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 5 },
    });
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    const created = await this.admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    if (!created) throw new Error(`topic ${topic} already existed; topic names must be unique per test`);
  }

  /** Produces `perPartition` messages to each partition; keys and values are unique and name the batch. */
  async produce(
    topic: string,
    partitions: number,
    perPartition: number,
    tag: string,
  ): Promise<HistoryMessage[]> {
    const sent: HistoryMessage[] = [];
    for (let p = 0; p < partitions; p++)
      for (let i = 0; i < perPartition; i++)
        sent.push({ partition: p, key: `${tag}-p${p}-${i}`, value: `${tag}|${p}|${i}` });
    await this.producer.send({
      topic,
      acks: -1,
      messages: sent.map((m) => ({ partition: m.partition, key: m.key, value: m.value })),
    });
    return sent;
  }

  /** Committed next-offsets of the group for the topic, by partition (-1 where nothing is committed). */
  async committed(group: string, topic: string): Promise<Map<number, number>> {
    const res = await this.admin.fetchOffsets({ groupId: group, topics: [topic] });
    const t = res.find((r) => r.topic === topic);
    return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  }

  /** Waits until the group's committed offsets reach `ends` (partition -> end offset) on every partition. */
  async waitCommitted(
    group: string,
    topic: string,
    ends: Map<number, number>,
    members: readonly GroupMemberProcess[],
    timeoutMs = 30_000,
  ): Promise<void> {
    let last = new Map<number, number>();
    await waitUntil(
      async () => {
        last = await this.committed(group, topic);
        return [...ends].every(([p, end]) => last.get(p) === end);
      },
      `group ${group} to commit its consumed offsets`,
      timeoutMs,
      members,
    ).catch((e: Error) => {
      throw new Error(
        `committed offsets ${JSON.stringify([...last])} never reached ${JSON.stringify([...ends])}; ${e.message}`,
      );
    });
  }

  /** The broker's view (DescribeGroups) of one group: state, protocol, and each member's decoded assignment. */
  async describe(
    group: string,
    topic: string,
  ): Promise<{
    state: string;
    protocol: string;
    members: { memberId: string; clientId: string; partitions: number[] }[];
  }> {
    const { groups } = await this.admin.describeGroups([group]);
    const g = groups.find((x) => x.groupId === group);
    if (!g) throw new Error(`DescribeGroups did not return group ${group}`);
    return {
      state: g.state,
      protocol: g.protocol,
      members: g.members.map((m) => {
        const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
        return {
          memberId: m.memberId,
          clientId: m.clientId,
          partitions: [...(a?.assignment[topic] ?? [])].sort((x, y) => x - y),
        };
      }),
    };
  }
}

/** End offset `total` on each of partitions 0..partitions-1 (messages produced so far per partition). */
export function endOffsets(partitions: number, total: number): Map<number, number> {
  return new Map([...Array(partitions).keys()].map((p) => [p, total]));
}
