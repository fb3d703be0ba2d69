import { checkHistory, startBroker, type BrokerHandle, type GroupMemberProcess } from '@tributary/testing';
import { topicName } from './compat-messages';
import {
  GroupTestClient,
  consumedBy,
  endOffsets,
  expectExactSplit,
  startMember,
  waitAllConsumed,
  waitSettled,
  type MemberFamily,
} from './groups-members';

/**
 * Failure handover per client family: three members share a 6-partition topic; one is SIGKILLed (no LeaveGroup,
 * its sockets just drop). The broker must expire its session and rebalance, so that the two survivors take over
 * its partitions within the session timeout plus slack, and consume what is produced to them afterwards. Nothing
 * is lost or processed twice, since everything the victim processed was committed before it died.
 */
jest.setTimeout(120_000);

const PARTITIONS = 6;
const PER_PARTITION = 5;
const SESSION_TIMEOUT_MS = 6000;
/** Session expiry, the rebalance and the survivors' rejoin; generous for a loaded CI machine. */
const HANDOVER_DEADLINE_MS = SESSION_TIMEOUT_MS + 30_000;

const FAMILIES: MemberFamily[] = [
  'kafkajs',
  'kcat',
  'confluent-range',
  'confluent-cooperative-sticky',
  'kafka-python',
];

describe('compat: consumer groups hand over a killed member’s partitions', () => {
  let broker: BrokerHandle;
  let client: GroupTestClient;

  beforeAll(async () => {
    broker = await startBroker({ config: { 'group.initial.rebalance.delay.ms': 0 } });
    client = new GroupTestClient(broker.bootstrap);
    await client.connect();
  });

  afterAll(async () => {
    await client?.disconnect();
    await broker?.dispose();
  });

  it.each(FAMILIES)('%s: survivors take over the partitions of a SIGKILLed member', async (family) => {
    const topic = topicName(`grp-kill-${family}`);
    const group = `kill-${topic}`;
    await client.createTopic(topic, PARTITIONS);
    const settings = { bootstrap: broker.bootstrap, topic, group, sessionTimeoutMs: SESSION_TIMEOUT_MS };
    const members: GroupMemberProcess[] = [0, 1, 2].map(() => startMember(family, settings));
    try {
      expectExactSplit(await waitSettled(members, 3, PARTITIONS), PARTITIONS);
      const sent1 = await client.produce(topic, PARTITIONS, PER_PARTITION, `${family}-a`);
      await waitAllConsumed(members, sent1);
      await client.waitCommitted(group, topic, endOffsets(PARTITIONS, PER_PARTITION), members);

      const victim = members[0]!;
      const orphaned = victim.partitions();
      expect(orphaned.length).toBeGreaterThan(0);
      await victim.kill9();

      const survivors = members.slice(1);
      const two = await waitSettled(members, 2, PARTITIONS, HANDOVER_DEADLINE_MS);
      expectExactSplit(two, PARTITIONS);
      expect([...two.keys()].sort()).toEqual(survivors.map((m) => m.name).sort());

      const sent2 = await client.produce(topic, PARTITIONS, PER_PARTITION, `${family}-b`);
      await waitAllConsumed(survivors, sent2);
      // The orphaned partitions' new messages were processed by the survivors that now own them.
      for (const p of orphaned) {
        const owner = survivors.find((m) => m.partitions().includes(p))!;
        const got = owner.messages().filter((e) => e.partition === p && e.key!.startsWith(`${family}-b`));
        expect(got.map((e) => e.offset)).toEqual([5, 6, 7, 8, 9]);
      }

      const report = checkHistory([...sent1, ...sent2], consumedBy(members));
      if (!report.ok)
        throw new Error(`messages not processed exactly once across the handover:\n${report.summary}`);

      const described = await client.describe(group, topic);
      expect(described.state).toBe('Stable');
      expect(described.members).toHaveLength(2);
      expectExactSplit(new Map(described.members.map((m) => [m.memberId, m.partitions])), PARTITIONS);
      for (const m of survivors) expect(m.errors()).toEqual([]);
    } finally {
      await Promise.all(members.map((m) => m.stop()));
    }
  });
});
