import { decideAllocateProducerIds, decideRegisterBroker, PRODUCER_ID_BLOCK_SIZE } from './cluster-decisions';
import { ClusterState } from './cluster-state';
import { CoordinatorError } from './coordinator-error';
import type { StoredClusterSnapshot } from './metadata-records';
import { TestCluster } from './test-cluster.test-helper';

/** Registers brokers 1..n (fenced is fine: producer ids only need the current registration). */
function registered(n: number): TestCluster {
  const c = new TestCluster();
  for (let id = 1; id <= n; id++)
    c.commit(decideRegisterBroker(c.state, { nodeId: id, host: 'h', port: 9000 + id }).records);
  return c;
}

function allocate(c: TestCluster, nodeId: number, size?: number) {
  const { block, records } = decideAllocateProducerIds(
    c.state,
    { nodeId, brokerEpoch: c.state.broker(nodeId)!.brokerEpoch },
    size,
  );
  c.commit(records);
  return block;
}

describe('producer id blocks (AllocateProducerIds)', () => {
  it('hands out consecutive, disjoint blocks across brokers and advances nextProducerId', () => {
    const c = registered(3);
    expect(c.state.nextProducerId).toBe(0);
    const blocks = [allocate(c, 1), allocate(c, 2), allocate(c, 3), allocate(c, 1)];
    expect(blocks.map((b) => b.firstId)).toEqual([0, 1, 2, 3].map((i) => i * PRODUCER_ID_BLOCK_SIZE));
    expect(blocks.every((b) => b.size === PRODUCER_ID_BLOCK_SIZE)).toBe(true);
    expect(c.state.nextProducerId).toBe(4 * PRODUCER_ID_BLOCK_SIZE);
  });

  it('refuses an old incarnation or an unknown broker with STALE_BROKER_EPOCH and records nothing', () => {
    const c = registered(2);
    const old = c.state.broker(2)!.brokerEpoch;
    c.commit(decideRegisterBroker(c.state, { nodeId: 2, host: 'h', port: 9002 }).records);
    for (const req of [
      { nodeId: 2, brokerEpoch: old },
      { nodeId: 7, brokerEpoch: 1 },
    ]) {
      let err: unknown = null;
      try {
        decideAllocateProducerIds(c.state, req);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CoordinatorError);
      expect(err).toMatchObject({ code: 'STALE_BROKER_EPOCH', kafkaCode: 77 });
    }
    expect(c.state.nextProducerId).toBe(0);
    expect(allocate(c, 2).firstId).toBe(0);
  });

  it('refuses a block record that does not start at the next free id (a corrupt or misordered log)', () => {
    const c = registered(1);
    allocate(c, 1, 10);
    const brokerEpoch = c.state.broker(1)!.brokerEpoch;
    expect(() =>
      c.commit([{ type: 'ProducerIdsBlock', nodeId: 1, brokerEpoch, firstId: 0, size: 10 }]),
    ).toThrow(/does not start at the next free producer id 10/);
    expect(() =>
      c.commit([
        { type: 'ProducerIdsBlock', nodeId: 1, brokerEpoch: brokerEpoch + 5, firstId: 10, size: 10 },
      ]),
    ).toThrow(/its epoch is/);
  });

  it('keeps nextProducerId through snapshots and replay; a version 1 snapshot reads as 0', () => {
    const c = registered(2);
    allocate(c, 1, 7);
    allocate(c, 2, 5);
    const snap = c.state.toSnapshot();
    expect(snap).toMatchObject({ version: 2, nextProducerId: 12 });
    expect(
      ClusterState.fromSnapshot(JSON.parse(JSON.stringify(snap)) as StoredClusterSnapshot).nextProducerId,
    ).toBe(12);
    const replayed = new ClusterState();
    for (const e of c.entries) replayed.apply(e);
    expect(replayed.toSnapshot()).toEqual(snap);
    const v1: StoredClusterSnapshot = {
      version: 1,
      offset: snap.offset,
      clusterId: snap.clusterId,
      brokers: snap.brokers,
      topics: snap.topics,
    };
    const fromV1 = ClusterState.fromSnapshot(v1);
    expect(fromV1.nextProducerId).toBe(0);
    expect(fromV1.toSnapshot()).toEqual({ ...snap, nextProducerId: 0 });
    expect(() =>
      ClusterState.fromSnapshot({ ...snap, version: 9 } as unknown as StoredClusterSnapshot),
    ).toThrow(/unsupported metadata snapshot version 9/);
  });
});
