import { CoordinatorError } from './coordinator-error';
import { assignReplicas } from './replica-assignment';

const brokers = (ids: number[], racks?: string[]) =>
  ids.map((nodeId, i) => ({ nodeId, rack: racks ? racks[i]! : null }));

describe('assignReplicas', () => {
  it('round-robins leaders and gives each partition distinct replicas', () => {
    const a = assignReplicas({ brokers: brokers([1, 2, 3]), numPartitions: 6, replicationFactor: 3 });
    expect(a.map((r) => r[0])).toEqual([1, 2, 3, 1, 2, 3]);
    for (const r of a) expect(new Set(r).size).toBe(3);
  });

  it('spreads replicas evenly', () => {
    const a = assignReplicas({ brokers: brokers([1, 2, 3, 4]), numPartitions: 12, replicationFactor: 2 });
    const count = new Map<number, number>();
    for (const r of a) for (const b of r) count.set(b, (count.get(b) ?? 0) + 1);
    expect([...count.values()]).toEqual([6, 6, 6, 6]);
  });

  it('puts replicas of a partition on different racks when racks are given', () => {
    // Racks a,a,b,b,c,c by id: a naive id-order round-robin would put 1 and 2 (both rack a) together.
    const bs = brokers([1, 2, 3, 4, 5, 6], ['a', 'a', 'b', 'b', 'c', 'c']);
    const rackOf = new Map(bs.map((b) => [b.nodeId, b.rack]));
    const a = assignReplicas({ brokers: bs, numPartitions: 12, replicationFactor: 3 });
    for (const r of a) expect(new Set(r.map((b) => rackOf.get(b))).size).toBe(3);
  });

  it('doubles up on racks only once every rack is used', () => {
    const bs = brokers([1, 2, 3, 4], ['a', 'a', 'a', 'b']);
    const rackOf = new Map(bs.map((b) => [b.nodeId, b.rack]));
    const a = assignReplicas({ brokers: bs, numPartitions: 8, replicationFactor: 3 });
    for (const r of a) {
      expect(new Set(r).size).toBe(3);
      expect(r.map((b) => rackOf.get(b))).toContain('b');
    }
  });

  it('refuses a replication factor above the live broker count, naming the brokers', () => {
    let err: unknown;
    try {
      assignReplicas({ brokers: brokers([1, 2]), numPartitions: 1, replicationFactor: 3 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CoordinatorError);
    expect((err as CoordinatorError).code).toBe('INVALID_REPLICATION_FACTOR');
    expect((err as CoordinatorError).kafkaCode).toBe(38);
    expect((err as Error).message).toMatch(/larger than the 2 live broker\(s\) \[1, 2\]/);
  });

  it('continues the round-robin from firstPartition and is deterministic', () => {
    const req = { brokers: brokers([1, 2, 3]), numPartitions: 2, replicationFactor: 1, firstPartition: 4 };
    expect(assignReplicas(req)).toEqual([[2], [3]]);
    expect(assignReplicas(req)).toEqual(assignReplicas(req));
  });
});
