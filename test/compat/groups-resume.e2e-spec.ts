import { checkHistory, startBroker, type BrokerHandle, type GroupMemberProcess } from '@tributary/testing';
import { topicName } from './compat-messages';
import {
  GroupTestClient,
  consumedBy,
  endOffsets,
  startMember,
  waitAllConsumed,
  type MemberFamily,
} from './groups-members';

/**
 * Resume after a broker restart: a member commits manually after processing, stops part-way (leaving cleanly,
 * without committing its last few messages), the broker restarts, and a new member of the same group must start
 * exactly at the committed offsets: nothing skipped, and the only messages processed twice are the uncommitted
 * tail. kcat, which can only auto-commit, gets the same check with a fully committed first run.
 */
jest.setTimeout(120_000);

const PARTITIONS = 6;
const PER_PARTITION = 10;
const COMMIT_EVERY = 7;
const STOP_AFTER = 25;
/** Commits after 7, 14 and 21 processed messages; the last 4 of the first run stay uncommitted. */
const COMMITTED = Math.floor(STOP_AFTER / COMMIT_EVERY) * COMMIT_EVERY;

/** `crash`: the broker is SIGKILLed instead of stopped; acknowledged commits must survive that as well. */
const CASES: { family: MemberFamily; crash: boolean }[] = [
  { family: 'kafkajs', crash: false },
  { family: 'confluent-range', crash: false },
  { family: 'kafka-python', crash: false },
  { family: 'confluent-range', crash: true },
];

describe('compat: consumer groups resume from committed offsets after a broker restart', () => {
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

  /** Restarts the broker with the driver's connections closed around it, so nothing retries into the gap. */
  async function restartBroker(crash = false): Promise<void> {
    await client.disconnect();
    if (crash) await broker.kill9();
    await broker.restart();
    client = new GroupTestClient(broker.bootstrap);
    await client.connect();
  }

  it.each(CASES)(
    '$family (broker SIGKILLed: $crash): restarts at the committed offsets; only the uncommitted tail is processed twice',
    async ({ family, crash }) => {
      const topic = topicName(`grp-resume-${family}`);
      const group = `resume-${topic}`;
      await client.createTopic(topic, PARTITIONS);
      const sent = await client.produce(topic, PARTITIONS, PER_PARTITION, family);
      const settings = { bootstrap: broker.bootstrap, topic, group, sessionTimeoutMs: 6000 };
      const members: GroupMemberProcess[] = [];
      try {
        const first = startMember(family, { ...settings, commitEvery: COMMIT_EVERY, stopAfter: STOP_AFTER });
        members.push(first);
        await first.exit();
        expect(first.errors()).toEqual([]);
        expect(first.messages()).toHaveLength(STOP_AFTER);
        const reported = first.committed();
        const processedBelowCommit = first
          .messages()
          .filter((e) => e.offset < (reported.get(e.partition) ?? 0)).length;
        expect(processedBelowCommit).toBe(COMMITTED);

        // What the broker holds is what the member said it committed, before and after the restart.
        const expected = new Map([...Array(PARTITIONS).keys()].map((p) => [p, reported.get(p) ?? -1]));
        expect(await client.committed(group, topic)).toEqual(expected);
        await restartBroker(crash);
        expect(await client.committed(group, topic)).toEqual(expected);
        const idle = await client.describe(group, topic);
        expect(idle.state).toBe('Empty');
        expect(idle.members).toEqual([]);

        const second = startMember(family, { ...settings, bootstrap: broker.bootstrap });
        members.push(second);
        await waitAllConsumed(members, sent);
        await client.waitCommitted(group, topic, endOffsets(PARTITIONS, PER_PARTITION), members);
        expect(second.errors()).toEqual([]);

        // The second run reads each partition from its committed offset to the end, once, in order.
        for (let p = 0; p < PARTITIONS; p++) {
          const from = reported.get(p) ?? 0;
          const got = second
            .messages()
            .filter((e) => e.partition === p)
            .map((e) => e.offset);
          expect({ partition: p, offsets: got }).toEqual({
            partition: p,
            offsets: [...Array(PER_PARTITION - from).keys()].map((i) => from + i),
          });
        }
        // Processed twice: exactly the first run's uncommitted tail.
        const firstKeys = new Set(first.messages().map((e) => e.key));
        const twice = second.messages().filter((e) => firstKeys.has(e.key));
        expect(twice).toHaveLength(STOP_AFTER - COMMITTED);
        for (const e of twice) expect(e.offset).toBeGreaterThanOrEqual(reported.get(e.partition) ?? 0);
        // And the committed part of the first run plus the second run is every message exactly once.
        const committedPart = consumedBy([first]).filter((m) => m.offset! < (reported.get(m.partition) ?? 0));
        const report = checkHistory(
          sent,
          [...committedPart, ...consumedBy([second])].sort(
            (a, b) => a.partition - b.partition || a.offset! - b.offset!,
          ),
        );
        if (!report.ok) throw new Error(`resume lost or repeated messages:\n${report.summary}`);
      } finally {
        await Promise.all(members.map((m) => m.stop()));
      }
    },
  );

  it('kcat: a new member after the restart reads only what was produced after the committed offsets', async () => {
    const topic = topicName('grp-resume-kcat');
    const group = `resume-${topic}`;
    await client.createTopic(topic, PARTITIONS);
    const sent1 = await client.produce(topic, PARTITIONS, 5, 'kcat-a');
    const settings = { bootstrap: broker.bootstrap, topic, group, sessionTimeoutMs: 6000 };
    const members: GroupMemberProcess[] = [];
    try {
      const first = startMember('kcat', settings);
      members.push(first);
      await waitAllConsumed([first], sent1);
      await client.waitCommitted(group, topic, endOffsets(PARTITIONS, 5), [first]);
      await first.stop();

      const sent2 = await client.produce(topic, PARTITIONS, 5, 'kcat-b');
      await restartBroker();
      expect(await client.committed(group, topic)).toEqual(endOffsets(PARTITIONS, 5));

      const second = startMember('kcat', { ...settings, bootstrap: broker.bootstrap });
      members.push(second);
      await waitAllConsumed([second], sent2);
      await client.waitCommitted(group, topic, endOffsets(PARTITIONS, 10), [second]);
      const report = checkHistory(sent2, consumedBy([second]), { contiguousOffsets: true, firstOffset: 5 });
      if (!report.ok) throw new Error(`kcat did not resume at the committed offsets:\n${report.summary}`);
      expect(checkHistory(sent1, consumedBy([first])).ok).toBe(true);
    } finally {
      await Promise.all(members.map((m) => m.stop()));
    }
  });
});
