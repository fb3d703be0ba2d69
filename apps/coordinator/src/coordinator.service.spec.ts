import { join } from 'node:path';
import { CoordinatorError } from '@tributary/cluster';
import { makeTempDir, removeDir } from '@tributary/testing';
import { resolveCoordinatorConfig, type CoordinatorConfig } from './config/coordinator-config';
import { CoordinatorService } from './coordinator.service';
import { MetadataStore } from './metadata/metadata-store';

/** The service on a real metadata store with a hand-driven clock: no waiting for leases in these tests. */
describe('CoordinatorService', () => {
  let dir: string;
  let now: number;
  let config: CoordinatorConfig;
  let svc: CoordinatorService;

  const boot = (over: Partial<CoordinatorConfig> = {}): CoordinatorService => {
    config = resolveCoordinatorConfig({ dataDir: dir, leaseMs: 1000, ...over });
    const store = MetadataStore.open(join(dir, 'metadata'), {
      snapshotEvery: config.snapshotEvery,
      retainEntries: config.retainEntries,
    });
    const s = new CoordinatorService(config, store, () => now);
    s.onModuleInit();
    return s;
  };

  beforeEach(() => {
    dir = makeTempDir('tributary-coord-');
    now = 1_000_000;
    svc = boot();
  });
  afterEach(() => {
    svc.onModuleDestroy();
    removeDir(dir);
  });

  /** Registers and unfences brokers 1..3; returns their epochs. */
  function threeLiveBrokers(): Map<number, number> {
    const epochs = new Map<number, number>();
    for (const id of [1, 2, 3]) {
      const r = svc.register({ nodeId: id, host: '127.0.0.1', port: 9000 + id });
      epochs.set(id, r.brokerEpoch);
      expect(svc.heartbeat({ nodeId: id, brokerEpoch: r.brokerEpoch })).toMatchObject({
        status: 'ok',
        fenced: false,
      });
    }
    return epochs;
  }

  it('fences a broker whose lease ran out and moves its leaderships within the ISR', () => {
    const epochs = threeLiveBrokers();
    const t = svc.createTopic({ name: 'orders', numPartitions: 3, replicationFactor: 3 });
    const victim = t.partitions[0]!.leader;
    now += 600;
    for (const id of [1, 2, 3])
      if (id !== victim) svc.heartbeat({ nodeId: id, brokerEpoch: epochs.get(id)! });
    now += 600; // victim's lease (1000 ms) is over, the others' are not
    svc.expireLeases();
    expect(svc.state.broker(victim)!.fenced).toBe(true);
    for (const id of [1, 2, 3]) if (id !== victim) expect(svc.state.broker(id)!.fenced).toBe(false);
    const after = svc.state.topic('orders')!;
    t.partitions.forEach((before, i) => {
      const p = after.partitions[i]!;
      expect(p.leader).not.toBe(victim);
      expect(p.isr).not.toContain(victim);
      if (before.leader === victim) expect(p.leaderEpoch).toBe(before.leaderEpoch + 1);
    });
    // The fenced broker comes back with the same epoch: unfenced, but it must rejoin ISRs through the leader.
    expect(svc.heartbeat({ nodeId: victim, brokerEpoch: epochs.get(victim)! })).toMatchObject({
      status: 'ok',
      fenced: false,
    });
    expect(svc.state.topic('orders')!.partitions.every((p) => !p.isr.includes(victim))).toBe(true);
  });

  it('answers a stale or unknown broker epoch with "fenced"', () => {
    const epochs = threeLiveBrokers();
    const again = svc.register({ nodeId: 2, host: '127.0.0.1', port: 9002 });
    expect(again.brokerEpoch).toBeGreaterThan(epochs.get(2)!);
    expect(svc.heartbeat({ nodeId: 2, brokerEpoch: epochs.get(2)! })).toMatchObject({ status: 'fenced' });
    expect(svc.heartbeat({ nodeId: 42, brokerEpoch: 1 })).toMatchObject({ status: 'fenced' });
  });

  it('carries ISR changes on heartbeats and reports each result', () => {
    const epochs = threeLiveBrokers();
    const p = svc.createTopic({ name: 'x', numPartitions: 1, replicationFactor: 3 }).partitions[0]!;
    const req = {
      topic: 'x',
      partition: 0,
      leaderId: p.leader,
      brokerEpoch: epochs.get(p.leader)!,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      newIsr: [p.leader],
    };
    const r = svc.heartbeat({ nodeId: p.leader, brokerEpoch: epochs.get(p.leader)!, isrChanges: [req, req] });
    if (r.status !== 'ok') throw new Error('expected ok');
    expect(r.isrResults[0]).toMatchObject({ ok: true, partition: { isr: [p.leader], partitionEpoch: 1 } });
    expect(r.isrResults[1]).toMatchObject({
      ok: false,
      error: { code: 'INVALID_UPDATE_VERSION', kafkaCode: 95 },
    });
  });

  it('serves deltas to a broker close behind and a snapshot to one too far behind', () => {
    svc.onModuleDestroy();
    svc = boot({ retainEntries: 3 });
    threeLiveBrokers();
    const head = svc.state.offset;
    const d = svc.fetchMetadata(head - 2);
    expect(d).toMatchObject({ kind: 'deltas', offset: head });
    if (d.kind === 'deltas') expect(d.entries.map((e) => e.offset)).toEqual([head - 1, head]);
    const s = svc.fetchMetadata(0);
    expect(s.kind).toBe('snapshot');
    if (s.kind === 'snapshot') expect(s.snapshot).toEqual(svc.state.toSnapshot());
  });

  it('keeps metadata across a restart and gives every broker a fresh lease first', () => {
    const epochs = threeLiveBrokers();
    svc.createTopic({ name: 'kept', numPartitions: 2, replicationFactor: 3 });
    const before = svc.state.toSnapshot();
    svc.onModuleDestroy();
    now += 5000; // far past every lease while the coordinator was down
    svc = boot();
    expect(svc.state.toSnapshot()).toEqual(before);
    svc.expireLeases();
    expect(svc.state.liveBrokers().map((b) => b.nodeId)).toEqual([1, 2, 3]);
    for (const id of [1, 2, 3])
      expect(svc.heartbeat({ nodeId: id, brokerEpoch: epochs.get(id)! }).status).toBe('ok');
  });

  it('validates without committing when asked', () => {
    threeLiveBrokers();
    const t = svc.createTopic({ name: 'dry', numPartitions: 2, replicationFactor: 2, validateOnly: true });
    expect(t.partitions).toHaveLength(2);
    expect(svc.state.topic('dry')).toBeUndefined();
    expect(() => svc.createTopic({ name: 'dry', numPartitions: 1, replicationFactor: 4 })).toThrow(
      CoordinatorError,
    );
  });

  it('hands out producer id blocks only to current registrations and never reissues one after a restart', () => {
    svc.onModuleDestroy();
    svc = boot({ snapshotEvery: 4 }); // some blocks land in a snapshot, the rest in the log after it
    const epochs = threeLiveBrokers();
    const blocks = [1, 2, 3, 1, 2].map((id) =>
      svc.allocateProducerIds({ nodeId: id, brokerEpoch: epochs.get(id)! }),
    );
    const starts = blocks.map((b) => b.firstId);
    expect(new Set(starts).size).toBe(starts.length);
    blocks.forEach((b, i) => {
      if (i > 0) expect(b.firstId).toBe(blocks[i - 1]!.firstId + blocks[i - 1]!.size);
    });
    svc.register({ nodeId: 3, host: '127.0.0.1', port: 9003 });
    expect(() => svc.allocateProducerIds({ nodeId: 3, brokerEpoch: epochs.get(3)! })).toThrow(
      expect.objectContaining({ code: 'STALE_BROKER_EPOCH' }),
    );
    const next = svc.state.nextProducerId;
    svc.onModuleDestroy();
    svc = boot({ snapshotEvery: 4 });
    expect(svc.state.nextProducerId).toBe(next);
    expect(svc.allocateProducerIds({ nodeId: 1, brokerEpoch: epochs.get(1)! }).firstId).toBe(next);
  });
});
