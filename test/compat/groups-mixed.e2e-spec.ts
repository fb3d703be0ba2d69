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
} from './groups-members';

/**
 * Groups mixing client families. The broker only chooses a protocol (assignor name) every member supports and
 * relays opaque metadata and assignments, so kafka-python ("range","roundrobin") and librdkafka (kcat and
 * confluent-kafka, configured "range") share a group, while kafkajs ("RoundRobinAssigner") overlaps with neither:
 * whichever joins second must get INCONSISTENT_GROUP_PROTOCOL, surfaced as an error by its client, and the
 * group's existing member must be unaffected.
 */
jest.setTimeout(120_000);

const PARTITIONS = 6;

describe('compat: consumer groups mixing client families', () => {
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

  function setup(tag: string): { topic: string; group: string; settings: Parameters<typeof startMember>[1] } {
    const topic = topicName(`grp-mixed-${tag}`);
    const group = `mixed-${topic}`;
    return { topic, group, settings: { bootstrap: broker.bootstrap, topic, group, sessionTimeoutMs: 6000 } };
  }

  it('kafka-python, confluent-kafka and kcat share one group on the common protocol "range"', async () => {
    const { topic, group, settings } = setup('range');
    await client.createTopic(topic, PARTITIONS);
    const members: GroupMemberProcess[] = [];
    try {
      for (const family of ['kafka-python', 'confluent-range', 'kcat'] as const) {
        members.push(startMember(family, settings));
        // One at a time, so each join is a rebalance of a group that already has other clients in it.
        expectExactSplit(await waitSettled(members, members.length, PARTITIONS), PARTITIONS);
      }
      const view = await waitSettled(members, 3, PARTITIONS);
      const sent = await client.produce(topic, PARTITIONS, 5, 'mixed');
      await waitAllConsumed(members, sent);
      await client.waitCommitted(group, topic, endOffsets(PARTITIONS, 5), members);
      const report = checkHistory(sent, consumedBy(members));
      if (!report.ok) throw new Error(`mixed group did not process every message once:\n${report.summary}`);

      const described = await client.describe(group, topic);
      expect(described.state).toBe('Stable');
      expect(described.protocol).toBe('range');
      expect(described.members).toHaveLength(3);
      const sets = (xs: number[][]): string[] => xs.map((x) => x.join(',')).sort();
      expect(sets(described.members.map((m) => m.partitions))).toEqual(sets([...view.values()]));
      for (const m of members) expect(m.errors()).toEqual([]);
    } finally {
      await Promise.all(members.map((m) => m.stop()));
    }
  });

  it.each([
    { first: 'kafkajs', second: 'kafka-python', error: /InconsistentGroupProtocol/ },
    { first: 'kafka-python', second: 'kafkajs', error: /incompatible with those of existing members/ },
  ] as const)(
    '$first then $second: the second gets INCONSISTENT_GROUP_PROTOCOL, the first keeps the group',
    async ({ first, second, error }) => {
      const { topic, group, settings } = setup(`${first}-${second}`);
      await client.createTopic(topic, PARTITIONS);
      const members: GroupMemberProcess[] = [startMember(first, settings)];
      try {
        const before = await waitSettled(members, 1, PARTITIONS);
        const protocol = (await client.describe(group, topic)).protocol;

        const late = startMember(second, settings);
        members.push(late);
        await late.waitFor(
          () => late.errors().some((e) => error.test(e)),
          `${second} to report INCONSISTENT_GROUP_PROTOCOL`,
        );
        expect(late.partitions()).toEqual([]);

        // The existing member never noticed: same assignment, still the only member, same protocol.
        const sent = await client.produce(topic, PARTITIONS, 2, 'after');
        await waitAllConsumed([members[0]!], sent);
        expect(members[0]!.partitions()).toEqual(before.get(members[0]!.name));
        const described = await client.describe(group, topic);
        expect(described.state).toBe('Stable');
        expect(described.protocol).toBe(protocol);
        expect(described.members).toHaveLength(1);
        expect(members[0]!.errors()).toEqual([]);
      } finally {
        await Promise.all(members.map((m) => m.stop()));
      }
    },
  );
});
