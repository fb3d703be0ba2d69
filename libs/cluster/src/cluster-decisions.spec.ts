import {
  decideAlterIsr,
  decideCreatePartitions,
  decideCreateTopic,
  decideDeleteTopic,
  decideFenceBroker,
  decideRegisterBroker,
  decideUnfenceBroker,
} from './cluster-decisions';
import { CoordinatorError, type CoordinatorErrorCode } from './coordinator-error';
import { TestCluster } from './test-cluster.test-helper';

function refused(fn: () => unknown): CoordinatorErrorCode {
  try {
    fn();
  } catch (e) {
    if (e instanceof CoordinatorError) return e.code;
    throw e;
  }
  throw new Error('expected a CoordinatorError, but the call succeeded');
}

/** Three registered, unfenced brokers and topic "t" with one partition, replicas [1, 2, 3], leader 1. */
function threeBrokers(topicConfigs: Record<string, string> = {}): TestCluster {
  const c = new TestCluster();
  for (const id of [1, 2, 3]) {
    c.commit(decideRegisterBroker(c.state, { nodeId: id, host: 'h', port: 9000 + id }).records);
    c.commit(decideUnfenceBroker(c.state, id));
  }
  c.commit(
    decideCreateTopic(
      c.state,
      { name: 't', numPartitions: 1, replicationFactor: 3, configs: topicConfigs },
      'id-t',
    ),
  );
  return c;
}

/** Partition 0 of topic "t" created with replicas in the order [1, 2, 3] regardless of round-robin start. */
function part(c: TestCluster) {
  return c.state.topic('t')!.partitions[0]!;
}

describe('broker registration and fencing', () => {
  it('registers fenced with the entry offset as epoch; a heartbeat unfences', () => {
    const c = new TestCluster();
    const { brokerEpoch, records } = decideRegisterBroker(c.state, {
      nodeId: 7,
      host: 'a',
      port: 1,
      rack: 'r1',
    });
    expect(brokerEpoch).toBe(c.state.offset + 1);
    c.commit(records);
    expect(c.state.broker(7)).toEqual({
      nodeId: 7,
      host: 'a',
      port: 1,
      rack: 'r1',
      brokerEpoch,
      fenced: true,
    });
    c.commit(decideUnfenceBroker(c.state, 7));
    expect(c.state.broker(7)!.fenced).toBe(false);
  });

  it('bumps the broker epoch on re-registration and takes the old incarnation out of ISRs and leadership', () => {
    const c = threeBrokers();
    const p0 = part(c);
    const leader = p0.leader;
    const oldEpoch = c.state.broker(leader)!.brokerEpoch;
    const { brokerEpoch } = decideRegisterBroker(c.state, { nodeId: leader, host: 'h', port: 1 });
    c.commit(decideRegisterBroker(c.state, { nodeId: leader, host: 'h', port: 1 }).records);
    expect(brokerEpoch).toBeGreaterThan(oldEpoch);
    const p1 = part(c);
    expect(p1.leader).not.toBe(leader);
    expect(p1.isr).not.toContain(leader);
    expect(p1.leaderEpoch).toBe(p0.leaderEpoch + 1);
    expect(c.state.broker(leader)).toMatchObject({ brokerEpoch, fenced: true });
  });

  it('lease expiry moves leadership to another ISR member with leader epoch + 1', () => {
    const c = threeBrokers();
    const p0 = part(c);
    c.commit(decideFenceBroker(c.state, p0.leader, 'lease-expired'));
    const p1 = part(c);
    expect(p0.isr).toContain(p1.leader);
    expect(p1.leader).not.toBe(p0.leader);
    expect(p1.isr).toEqual(p0.isr.filter((r) => r !== p0.leader));
    expect(p1.leaderEpoch).toBe(p0.leaderEpoch + 1);
    expect(p1.partitionEpoch).toBe(p0.partitionEpoch + 1);
  });

  it('fencing a follower shrinks the ISR without a leader change', () => {
    const c = threeBrokers();
    const p0 = part(c);
    const follower = p0.replicas.find((r) => r !== p0.leader)!;
    c.commit(decideFenceBroker(c.state, follower, 'lease-expired'));
    const p1 = part(c);
    expect(p1.leader).toBe(p0.leader);
    expect(p1.leaderEpoch).toBe(p0.leaderEpoch);
    expect(p1.isr).not.toContain(follower);
  });

  it('never elects outside the ISR by default: the last ISR member keeps the partition until it returns', () => {
    const c = threeBrokers();
    const [a, b, last] = part(c).replicas as [number, number, number];
    // Shrink the ISR to one member by fencing the other two; it must stay leader.
    c.commit(decideFenceBroker(c.state, a, 'lease-expired'));
    c.commit(decideFenceBroker(c.state, b, 'lease-expired'));
    expect(part(c)).toMatchObject({ leader: last, isr: [last] });
    c.commit(decideUnfenceBroker(c.state, a));
    c.commit(decideUnfenceBroker(c.state, b));
    c.commit(decideFenceBroker(c.state, last, 'lease-expired'));
    expect(part(c)).toMatchObject({ leader: -1, isr: [last] });
    // A live out-of-sync replica coming back does not lead either.
    expect(decideUnfenceBroker(c.state, a)).toEqual([]);
    c.commit(decideUnfenceBroker(c.state, last));
    expect(part(c)).toMatchObject({ leader: last, isr: [last] });
  });

  it('elects a live out-of-sync replica when the topic enables unclean election', () => {
    const c = threeBrokers({ 'unclean.leader.election.enable': 'true' });
    const [a, b, last] = part(c).replicas as [number, number, number];
    c.commit(decideFenceBroker(c.state, a, 'lease-expired'));
    c.commit(decideFenceBroker(c.state, b, 'lease-expired'));
    c.commit(decideUnfenceBroker(c.state, a));
    c.commit(decideFenceBroker(c.state, last, 'lease-expired'));
    expect(part(c)).toMatchObject({ leader: a, isr: [a] });
  });
});

describe('ISR changes (compare-and-set on the partition epoch)', () => {
  const alter = (c: TestCluster, over: Partial<Parameters<typeof decideAlterIsr>[1]> = {}) => {
    const p = part(c);
    return decideAlterIsr(c.state, {
      topic: 't',
      partition: 0,
      leaderId: p.leader,
      brokerEpoch: c.state.broker(p.leader)!.brokerEpoch,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      newIsr: [p.leader],
      ...over,
    });
  };

  it('applies a change at the current partition epoch and bumps it', () => {
    const c = threeBrokers();
    const p0 = part(c);
    const { records, partition } = alter(c);
    c.commit(records);
    expect(part(c)).toEqual(partition);
    expect(partition).toMatchObject({ isr: [p0.leader], partitionEpoch: p0.partitionEpoch + 1 });
    expect(partition.leaderEpoch).toBe(p0.leaderEpoch);
  });

  it('refuses a stale partition epoch with INVALID_UPDATE_VERSION', () => {
    const c = threeBrokers();
    const stale = part(c).partitionEpoch;
    c.commit(alter(c).records);
    expect(refused(() => alter(c, { partitionEpoch: stale, newIsr: part(c).replicas }))).toBe(
      'INVALID_UPDATE_VERSION',
    );
  });

  it('refuses a stale leader epoch, a non-leader and a stale broker epoch', () => {
    const c = threeBrokers();
    const p0 = part(c);
    const follower = p0.replicas.find((r) => r !== p0.leader)!;
    expect(
      refused(() => alter(c, { leaderId: follower, brokerEpoch: c.state.broker(follower)!.brokerEpoch })),
    ).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(refused(() => alter(c, { brokerEpoch: 1 }))).toBe('STALE_BROKER_EPOCH');
    const oldLeaderEpoch = p0.leaderEpoch;
    c.commit(decideFenceBroker(c.state, follower, 'lease-expired'));
    c.commit(decideUnfenceBroker(c.state, follower));
    c.commit(decideFenceBroker(c.state, p0.leader, 'lease-expired'));
    c.commit(decideUnfenceBroker(c.state, p0.leader));
    expect(
      refused(() =>
        alter(c, {
          leaderId: p0.leader,
          brokerEpoch: c.state.broker(p0.leader)!.brokerEpoch,
          leaderEpoch: oldLeaderEpoch,
        }),
      ),
    ).toBe('FENCED_LEADER_EPOCH');
  });

  it('refuses an ISR without the leader, with strangers, or adding a fenced replica', () => {
    const c = threeBrokers();
    const p0 = part(c);
    const others = p0.replicas.filter((r) => r !== p0.leader);
    expect(refused(() => alter(c, { newIsr: others }))).toBe('INVALID_REQUEST');
    expect(refused(() => alter(c, { newIsr: [p0.leader, 99] }))).toBe('INVALID_REQUEST');
    c.commit(decideFenceBroker(c.state, others[0]!, 'lease-expired'));
    expect(refused(() => alter(c, { newIsr: p0.replicas }))).toBe('INELIGIBLE_REPLICA');
    c.commit(decideUnfenceBroker(c.state, others[0]!));
    c.commit(alter(c, { newIsr: p0.replicas }).records);
    expect(part(c).isr).toEqual(p0.replicas);
  });
});

describe('topics', () => {
  it('creates on live brokers only with leader = first replica and ISR = replicas', () => {
    const c = threeBrokers();
    c.commit(decideFenceBroker(c.state, 3, 'lease-expired'));
    expect(
      refused(() => decideCreateTopic(c.state, { name: 'x', numPartitions: 1, replicationFactor: 3 }, 'i')),
    ).toBe('INVALID_REPLICATION_FACTOR');
    c.commit(decideCreateTopic(c.state, { name: 'x', numPartitions: 4, replicationFactor: 2 }, 'id-x'));
    for (const p of c.state.topic('x')!.partitions) {
      expect(p.replicas).not.toContain(3);
      expect(p).toMatchObject({ leader: p.replicas[0], isr: p.replicas, leaderEpoch: 0, partitionEpoch: 0 });
    }
  });

  it('refuses duplicate and invalid names, bad partition counts, internal deletes', () => {
    const c = threeBrokers();
    const create = (name: string, numPartitions = 1) =>
      decideCreateTopic(c.state, { name, numPartitions, replicationFactor: 1 }, 'i');
    expect(refused(() => create('t'))).toBe('TOPIC_ALREADY_EXISTS');
    expect(refused(() => create('bad name'))).toBe('INVALID_TOPIC_EXCEPTION');
    expect(refused(() => create('y', 0))).toBe('INVALID_PARTITIONS');
    c.commit(create('__consumer_offsets'));
    expect(c.state.topic('__consumer_offsets')!.internal).toBe(true);
    expect(refused(() => decideDeleteTopic(c.state, '__consumer_offsets'))).toBe('INVALID_TOPIC_EXCEPTION');
    expect(refused(() => decideDeleteTopic(c.state, 'nope'))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    c.commit(decideDeleteTopic(c.state, 't'));
    expect(c.state.topic('t')).toBeUndefined();
  });

  it('adds partitions with the topic replication factor, only upwards', () => {
    const c = threeBrokers();
    expect(refused(() => decideCreatePartitions(c.state, { name: 't', totalCount: 1 }))).toBe(
      'INVALID_PARTITIONS',
    );
    c.commit(decideCreatePartitions(c.state, { name: 't', totalCount: 3 }));
    const t = c.state.topic('t')!;
    expect(t.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    for (const p of t.partitions) expect(new Set(p.replicas).size).toBe(3);
  });
});
