import fc from 'fast-check';
import {
  decideAllocateProducerIds,
  decideAlterIsr,
  decideCreateTopic,
  decideFenceBroker,
  decideRegisterBroker,
  decideUnfenceBroker,
} from './cluster-decisions';
import { ClusterState } from './cluster-state';
import { CoordinatorError } from './coordinator-error';
import { TestCluster } from './test-cluster.test-helper';
import type { PartitionState } from './metadata-records';

type Op =
  | { kind: 'register'; node: number }
  | { kind: 'unfence'; node: number }
  | { kind: 'fence'; node: number }
  | { kind: 'topic'; rf: number; partitions: number }
  | { kind: 'shrink'; topic: number; drop: number }
  | { kind: 'expand'; topic: number }
  | { kind: 'pids'; node: number };

const node = fc.integer({ min: 1, max: 4 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('register' as const), node }),
  fc.record({ kind: fc.constant('unfence' as const), node }),
  fc.record({ kind: fc.constant('fence' as const), node }),
  fc.record({
    kind: fc.constant('topic' as const),
    rf: fc.integer({ min: 1, max: 3 }),
    partitions: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ kind: fc.constant('shrink' as const), topic: fc.nat(), drop: node }),
  fc.record({ kind: fc.constant('expand' as const), topic: fc.nat() }),
  fc.record({ kind: fc.constant('pids' as const), node }),
);

/** Runs one operation through the decisions; refusals are fine (they change nothing). */
function run(c: TestCluster, o: Op, topicNo: { n: number }): void {
  try {
    const s = c.state;
    const topics = s.topics();
    const leaderReq = (p: PartitionState, name: string, newIsr: number[]) => ({
      topic: name,
      partition: p.partition,
      leaderId: p.leader,
      brokerEpoch: s.broker(p.leader)?.brokerEpoch ?? 0,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      newIsr,
    });
    switch (o.kind) {
      case 'register':
        return c.commit(decideRegisterBroker(s, { nodeId: o.node, host: 'h', port: o.node }).records);
      case 'unfence':
        return c.commit(decideUnfenceBroker(s, o.node));
      case 'fence':
        return c.commit(decideFenceBroker(s, o.node, 'lease-expired'));
      case 'topic':
        topicNo.n++;
        return c.commit(
          decideCreateTopic(
            s,
            { name: `t${topicNo.n}`, numPartitions: o.partitions, replicationFactor: o.rf },
            `id${topicNo.n}`,
          ),
        );
      case 'pids':
        return c.commit(
          decideAllocateProducerIds(s, { nodeId: o.node, brokerEpoch: s.broker(o.node)?.brokerEpoch ?? 0 }, 3)
            .records,
        );
      case 'shrink': {
        const t = topics[o.topic % Math.max(1, topics.length)];
        const p = t?.partitions[0];
        if (!t || !p || p.leader < 0) return;
        return c.commit(
          decideAlterIsr(
            s,
            leaderReq(
              p,
              t.name,
              p.isr.filter((r) => r !== o.drop),
            ),
          ).records,
        );
      }
      case 'expand': {
        const t = topics[o.topic % Math.max(1, topics.length)];
        const p = t?.partitions[0];
        if (!t || !p || p.leader < 0) return;
        return c.commit(
          decideAlterIsr(
            s,
            leaderReq(
              p,
              t.name,
              p.replicas.filter((r) => s.isLive(r)),
            ),
          ).records,
        );
      }
    }
  } catch (e) {
    if (!(e instanceof CoordinatorError)) throw e;
  }
}

function checkInvariants(s: ClusterState): void {
  for (const t of s.topics()) {
    for (const p of t.partitions) {
      expect(p.isr.length).toBeGreaterThan(0);
      for (const r of p.isr) expect(p.replicas).toContain(r);
      if (p.leader >= 0) {
        expect(p.isr).toContain(p.leader);
        expect(s.isLive(p.leader)).toBe(true);
      } else {
        // Leaderless only when no ISR member can lead (unclean election is off in this model).
        expect(p.isr.some((r) => s.isLive(r))).toBe(false);
      }
      // Fenced brokers are in an ISR only as its last member.
      if (p.isr.length > 1) for (const r of p.isr) expect(s.isLive(r)).toBe(true);
    }
  }
}

describe('ClusterState', () => {
  it('keeps the partition invariants, moves epochs forward, and replays deterministically', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const c = new TestCluster();
        const topicNo = { n: 0 };
        const seen = new Map<string, PartitionState>();
        let pidsBefore = 0;
        for (const o of ops) {
          run(c, o, topicNo);
          checkInvariants(c.state);
          expect(c.state.nextProducerId).toBeGreaterThanOrEqual(pidsBefore);
          pidsBefore = c.state.nextProducerId;
          for (const t of c.state.topics()) {
            for (const p of t.partitions) {
              const key = `${t.id}/${p.partition}`;
              const before = seen.get(key);
              if (before) {
                expect(p.leaderEpoch).toBeGreaterThanOrEqual(before.leaderEpoch);
                expect(p.partitionEpoch).toBeGreaterThanOrEqual(before.partitionEpoch);
                if (p.leader !== before.leader) expect(p.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
              }
              seen.set(key, p);
            }
          }
        }
        const replayed = new ClusterState();
        for (const e of c.entries) replayed.apply(JSON.parse(JSON.stringify(e)));
        expect(replayed.toSnapshot()).toEqual(c.state.toSnapshot());
        expect(ClusterState.fromSnapshot(c.state.toSnapshot()).toSnapshot()).toEqual(c.state.toSnapshot());
      }),
      { numRuns: 300 },
    );
  });

  it('applies entries only in order, without gaps', () => {
    const s = new ClusterState();
    expect(() => s.apply({ offset: 2, records: [] })).toThrow(/does not follow offset 0/);
    s.apply({ offset: 1, records: [{ type: 'InitCluster', clusterId: 'c' }] });
    expect(() => s.apply({ offset: 1, records: [] })).toThrow(/does not follow offset 1/);
    expect(s.offset).toBe(1);
    expect(s.clusterId).toBe('c');
  });

  it('refuses records that do not fit the state (a corrupt or misordered log)', () => {
    const c = new TestCluster();
    c.commit(decideRegisterBroker(c.state, { nodeId: 1, host: 'h', port: 1 }).records);
    expect(() =>
      c.commit([{ type: 'RegisterBroker', nodeId: 1, brokerEpoch: 1, host: 'h', port: 1, rack: null }]),
    ).toThrow(/not above its epoch/);
    expect(() => c.commit([{ type: 'UnfenceBroker', nodeId: 1, brokerEpoch: 99 }])).toThrow(/its epoch is 2/);
    expect(() => c.commit([{ type: 'DeleteTopic', topicId: 'nope', name: 'x' }])).toThrow(/unknown topic id/);
  });

  it('never changes an object it handed out', () => {
    const c = new TestCluster();
    c.commit(decideRegisterBroker(c.state, { nodeId: 1, host: 'h', port: 1 }).records);
    const before = c.state.broker(1)!;
    c.commit(decideUnfenceBroker(c.state, 1));
    expect(before.fenced).toBe(true);
    expect(c.state.broker(1)!.fenced).toBe(false);
  });
});
