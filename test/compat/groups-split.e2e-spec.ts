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
 * One consumer group per client family on a 6-partition topic: two members, then a third joins. At each settled
 * generation every partition has exactly one owner (by the members' own rebalance callbacks and by the broker's
 * DescribeGroups), and every produced message is processed exactly once across the members, since each commits
 * after processing. Finally all members leave cleanly and the group is Empty.
 */
jest.setTimeout(120_000);

const PARTITIONS = 6;
const PER_PARTITION = 5;

/** The protocol (assignor) name the broker must pick for each family: the first one all members support. */
const PROTOCOL: Record<MemberFamily, string> = {
  kafkajs: 'RoundRobinAssigner',
  kcat: 'range',
  'confluent-range': 'range',
  'confluent-cooperative-sticky': 'cooperative-sticky',
  'kafka-python': 'range',
};

describe('compat: consumer groups split partitions among members', () => {
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

  it.each(Object.keys(PROTOCOL) as MemberFamily[])(
    '%s: 2 then 3 members own disjoint partitions and consume every message once',
    async (family) => {
      const topic = topicName(`grp-split-${family}`);
      const group = `split-${topic}`;
      await client.createTopic(topic, PARTITIONS);
      const settings = { bootstrap: broker.bootstrap, topic, group, sessionTimeoutMs: 6000 };
      const members: GroupMemberProcess[] = [startMember(family, settings), startMember(family, settings)];
      try {
        const two = await waitSettled(members, 2, PARTITIONS);
        expectExactSplit(two, PARTITIONS);

        const sent1 = await client.produce(topic, PARTITIONS, PER_PARTITION, `${family}-a`);
        await waitAllConsumed(members, sent1);
        // Everything processed is committed before the next member joins, so the rebalance re-delivers nothing.
        await client.waitCommitted(group, topic, endOffsets(PARTITIONS, PER_PARTITION), members);

        members.push(startMember(family, settings));
        const three = await waitSettled(members, 3, PARTITIONS);
        expectExactSplit(three, PARTITIONS);

        const sent2 = await client.produce(topic, PARTITIONS, PER_PARTITION, `${family}-b`);
        await waitAllConsumed(members, sent2);
        await client.waitCommitted(group, topic, endOffsets(PARTITIONS, 2 * PER_PARTITION), members);

        // Messages produced after the split went to the member owning their partition.
        const ownerOf = new Map([...three].flatMap(([name, ps]) => ps.map((p) => [p, name] as const)));
        for (const m of members) {
          const strays = m
            .messages()
            .filter((e) => e.key!.startsWith(`${family}-b`) && ownerOf.get(e.partition) !== m.name);
          expect(strays.map((e) => `${m.name} got p${e.partition}@${e.offset}`)).toEqual([]);
        }

        const report = checkHistory([...sent1, ...sent2], consumedBy(members));
        if (!report.ok) throw new Error(`messages not processed exactly once:\n${report.summary}`);

        const described = await client.describe(group, topic);
        expect(described.state).toBe('Stable');
        expect(described.protocol).toBe(PROTOCOL[family]);
        expect(described.members).toHaveLength(3);
        expectExactSplit(new Map(described.members.map((m) => [m.memberId, m.partitions])), PARTITIONS);
        const sets = (xs: number[][]): string[] => xs.map((x) => x.join(',')).sort();
        expect(sets(described.members.map((m) => m.partitions))).toEqual(sets([...three.values()]));

        for (const m of members) expect(m.errors()).toEqual([]);

        await Promise.all(members.map((m) => m.stop()));
        const after = await client.describe(group, topic);
        expect(after.members).toEqual([]);
        expect(after.state).toBe('Empty');
      } finally {
        await Promise.all(members.map((m) => m.stop()));
      }
    },
  );
});
