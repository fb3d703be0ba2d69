import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  ApiKey,
  ErrorCode,
  FetchRequest,
  FetchResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
  ProduceRequest,
  ProduceResponse,
  Reader,
  Writer,
  type MessageDef,
  type MessageOf,
} from '@tributary/protocol';
import {
  RawKafkaClient,
  checkHistory,
  encodeRecordBatch,
  readPartitions,
  sleep,
  startBroker,
  clusterKafka,
  startCluster,
  type ClusterBroker,
  type ClusterHandle,
  type HistoryMessage,
} from '@tributary/testing';

jest.setTimeout(120_000);

const LEASE_MS = 10_000;
/** Short follower long-polls, so a paused follower's last fetch is answered (empty) soon after it stops. */
const REPLICA_FETCH_WAIT_MS = 100;
const SEGMENT = '00000000000000000000.log';

/**
 * Replication across restarts and failovers, against a coordinator and three real broker processes:
 * a restarted follower keeps its log and high watermark instead of recopying, and a follower whose tail
 * diverged from the new leader's log is cut back to where its leader epoch ends there (OffsetForLeaderEpoch),
 * never to a stale high watermark. Every acknowledged write is read back.
 */
describe('replication truncation by leader epoch', () => {
  let cluster: ClusterHandle;
  let kafka: Kafka;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      leaseMs: LEASE_MS,
      brokerConfig: { 'offsets.topic.num.partitions': 1, 'replica.fetch.wait.max.ms': REPLICA_FETCH_WAIT_MS },
    });
    kafka = clusterKafka(cluster, 'truncation-e2e');
  });

  afterAll(async () => {
    for (const b of cluster?.brokers ?? []) b.resume();
    await cluster?.dispose();
  });

  const segmentFile = (b: ClusterBroker, topic: string): string => join(b.dataDir, `${topic}-0`, SEGMENT);

  /** Polls `check` every 100 ms; fails with the cluster output after `timeoutMs`. */
  async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline)
        throw new Error(`${what} within ${timeoutMs} ms; output:\n${cluster.logs()}`);
      await sleep(100);
    }
  }

  async function createTopic(topic: string): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
  }

  async function produceAcked(topic: string, from: number, to: number): Promise<HistoryMessage[]> {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const acked: HistoryMessage[] = [];
    for (let i = from; i < to; i += 10) {
      const messages = [];
      for (let j = i; j < Math.min(i + 10, to); j++) messages.push({ key: `k${j}`, value: `v${j}` });
      await producer.send({
        topic,
        acks: -1,
        timeout: 10_000,
        messages: messages.map((m) => ({ ...m, partition: 0 })),
      });
      acked.push(...messages.map((m) => ({ partition: 0, ...m })));
    }
    await producer.disconnect();
    return acked;
  }

  async function partitionState(broker: ClusterBroker, topic: string) {
    const res = await rawCall(broker, MetadataRequest, MetadataResponse, ApiKey.Metadata, 8, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const p = res.topics[0]?.partitions[0];
    if (!p) throw new Error(`broker ${broker.nodeId} has no metadata for ${topic}-0`);
    return { leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicaNodes, isr: p.isrNodes };
  }

  it('keeps a restarted follower`s log and high watermark: nothing is recopied', async () => {
    const topic = 'kept';
    await createTopic(topic);
    const acked = await produceAcked(topic, 0, 200);
    const before = await partitionState(cluster.brokers[0]!, topic);
    const follower = cluster.broker(before.isr.find((r) => r !== before.leader)!);

    // The periodic checkpoint reaches the follower's data dir once it heard the leader's high watermark.
    const hwFile = join(follower.dataDir, 'replication-offset-checkpoint');
    await waitUntil(`${follower.name} checkpointed high watermark 200`, () =>
      existsSync(hwFile) ? readFileSync(hwFile, 'utf8').includes(`${topic} 0 200\n`) : false,
    );
    const file = segmentFile(follower, topic);
    const stat = statSync(file);
    const epochs = readFileSync(join(follower.dataDir, `${topic}-0`, 'leader-epoch-checkpoint'), 'utf8');

    await follower.kill9(); // no shutdown: the periodic checkpoint is what the restart finds
    await follower.restart();
    await waitUntil(`${follower.name} back in the ISR of ${topic}-0`, async () =>
      (await partitionState(follower, topic).catch(() => ({ isr: [] as number[] }))).isr.includes(
        follower.nodeId,
      ),
    );

    // Same file, same bytes, never rewritten: the log was kept and checked by leader epoch, not wiped.
    const after = statSync(file);
    expect({ ino: after.ino, size: after.size, mtimeMs: after.mtimeMs }).toEqual({
      ino: stat.ino,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
    });
    expect(readFileSync(join(follower.dataDir, `${topic}-0`, 'leader-epoch-checkpoint'), 'utf8')).toBe(
      epochs,
    );
    expect(readFileSync(hwFile, 'utf8')).toContain(`${topic} 0 200\n`);
    expect(follower.logs()).not.toMatch(
      /truncated by leader epoch.*"kept-0"|"kept-0".*truncated by leader epoch/,
    );

    // The leader's consumers see every acknowledged record.
    const leader = cluster.broker(before.leader);
    const latest = await rawCall(leader, ListOffsetsRequest, ListOffsetsResponse, ApiKey.ListOffsets, 5, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: topic,
          partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }],
        },
      ],
    });
    expect(latest.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, offset: 200 });
    const read = await readPartitions(kafka, topic, [0]);
    const report = checkHistory(acked, read);
    expect({ lost: report.lost, unexpected: report.unexpected }).toEqual({ lost: [], unexpected: [] });
  });

  it('cuts a follower`s divergent tail to where its epoch ends on the new leader, losing no acknowledged write', async () => {
    const topic = 'diverge';
    await createTopic(topic);
    const acked = await produceAcked(topic, 0, 100);
    const start = await partitionState(cluster.brokers[0]!, topic);
    const epoch0 = start.leaderEpoch;
    const oldLeader = cluster.broker(start.leader);
    // The coordinator elects the first live ISR member in replica order: that one becomes the new leader.
    const next = cluster.broker(start.replicas.find((r) => r !== start.leader)!);
    const diverging = cluster.broker(start.replicas.find((r) => r !== start.leader && r !== next.nodeId)!);
    expect([...start.isr].sort()).toEqual([...start.replicas].sort());

    // The next leader stops fetching (still in the ISR, its lease still valid); 20 records go to the old
    // leader with acks=1 and reach only the diverging follower.
    next.pause();
    // Its fetch still parked at the leader would carry the next records into its socket buffer and be applied on
    // resume: let the leader answer it empty first (a long poll ends after REPLICA_FETCH_WAIT_MS). Should that
    // ever not hold, the truncation checks below fail rather than pass without a divergence.
    await sleep(10 * REPLICA_FETCH_WAIT_MS);
    const maybe: HistoryMessage[] = [];
    const raw = await RawKafkaClient.connect(oldLeader.port);
    try {
      const records = Array.from({ length: 20 }, (_, i) => ({ key: `x${i}`, value: `unreplicated-${i}` }));
      const res = await rawCall(
        oldLeader,
        ProduceRequest,
        ProduceResponse,
        ApiKey.Produce,
        7,
        {
          transactionalId: null,
          acks: 1,
          timeoutMs: 5000,
          topicData: [
            { name: topic, partitionData: [{ index: 0, records: encodeRecordBatch({ records }) }] },
          ],
        },
        raw,
      );
      expect(res.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 100 });
      maybe.push(...records.map((r) => ({ partition: 0, key: r.key, value: r.value })));
    } finally {
      raw.destroy();
    }
    await waitUntil(
      `${diverging.name} copied the unreplicated records`,
      () => statSync(segmentFile(diverging, topic)).size === statSync(segmentFile(oldLeader, topic)).size,
    );

    // The old leader goes; the paused replica is elected, then resumes and leads at a new epoch.
    await oldLeader.stop();
    next.resume();
    await waitUntil(`${next.name} leads ${topic}-0`, async () => {
      const s = await partitionState(next, topic).catch(() => null);
      return s !== null && s.leader === next.nodeId && s.leaderEpoch > epoch0;
    });
    const moved = await partitionState(next, topic);
    const epoch1 = moved.leaderEpoch;
    acked.push(...(await produceAcked(topic, 100, 130)));

    // The follower asked where epoch0 ends on the new leader (100) and cut its 20 divergent records there.
    await waitUntil(`${diverging.name} holds the new leader's log`, () =>
      readFileSync(segmentFile(diverging, topic)).equals(readFileSync(segmentFile(next, topic))),
    );
    expect(diverging.logs()).toMatch(
      /"partition":"diverge-0"[^\n]*"from":120,"to":100[^\n]*truncated by leader epoch/,
    );
    const epochFile = (b: ClusterBroker): string =>
      readFileSync(join(b.dataDir, `${topic}-0`, 'leader-epoch-checkpoint'), 'utf8');
    expect(epochFile(diverging)).toBe(epochFile(next));
    expect(epochFile(next)).toBe(`0\n2\n${epoch0} 0\n${epoch1} 100\n`);

    // What the new leader answers about epochs: OffsetForLeaderEpoch, ListOffsets, Fetch, Metadata.
    const ofle = (b: ClusterBroker, version: number, currentLeaderEpoch: number, leaderEpoch: number) =>
      rawCall(
        b,
        OffsetForLeaderEpochRequest,
        OffsetForLeaderEpochResponse,
        ApiKey.OffsetForLeaderEpoch,
        version,
        {
          replicaId: -1,
          topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch }] }],
        },
      ).then((r) => r.topics[0]!.partitions[0]!);
    expect(await ofle(next, 3, epoch1, epoch0)).toMatchObject({
      errorCode: 0,
      leaderEpoch: epoch0,
      endOffset: 100,
    });
    expect(await ofle(next, 2, epoch1, epoch1)).toMatchObject({
      errorCode: 0,
      leaderEpoch: epoch1,
      endOffset: 130,
    });
    expect(await ofle(next, 0, -1, epoch0)).toMatchObject({ errorCode: 0, endOffset: 100 });
    expect(await ofle(next, 3, epoch0, epoch0)).toMatchObject({ errorCode: ErrorCode.FENCED_LEADER_EPOCH });
    expect(await ofle(next, 3, epoch1 + 1, epoch0)).toMatchObject({
      errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH,
    });
    await waitUntil(`${diverging.name} follows epoch ${epoch1}`, async () => {
      const r = await ofle(diverging, 3, epoch1, epoch0);
      return r.errorCode !== ErrorCode.UNKNOWN_LEADER_EPOCH;
    });
    expect(await ofle(diverging, 3, epoch1, epoch0)).toMatchObject({
      errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
    });

    const listOffsets = (currentLeaderEpoch: number, timestamp: number) =>
      rawCall(next, ListOffsetsRequest, ListOffsetsResponse, ApiKey.ListOffsets, 5, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [
          {
            name: topic,
            partitions: [{ partitionIndex: 0, currentLeaderEpoch, timestamp, maxNumOffsets: 1 }],
          },
        ],
      }).then((r) => r.topics[0]!.partitions[0]!);
    expect(await listOffsets(epoch1, -1)).toMatchObject({ errorCode: 0, offset: 130, leaderEpoch: epoch1 });
    expect(await listOffsets(epoch1, -2)).toMatchObject({ errorCode: 0, offset: 0, leaderEpoch: epoch0 });
    expect(await listOffsets(epoch0, -1)).toMatchObject({ errorCode: ErrorCode.FENCED_LEADER_EPOCH });

    const fetchError = (currentLeaderEpoch: number) => fetchErrorCode(next, topic, currentLeaderEpoch);
    expect(await fetchError(epoch1)).toBe(ErrorCode.NONE);
    expect(await fetchError(epoch0)).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(await fetchError(epoch1 + 1)).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);

    // Every acknowledged record is on the new leader; the unreplicated acks=1 records are not.
    const fromLeader = await readPartitions(kafka, topic, [0]);
    const report = checkHistory(acked, fromLeader, { maybe });
    expect({ lost: report.lost, unexpected: report.unexpected }).toEqual({ lost: [], unexpected: [] });
    expect(fromLeader.filter((m) => m.key?.startsWith('x'))).toEqual([]);

    // And on the truncated follower, once it leads.
    await next.stop();
    await waitUntil(`${diverging.name} leads ${topic}-0`, async () => {
      const s = await partitionState(diverging, topic).catch(() => null);
      return s !== null && s.leader === diverging.nodeId;
    });
    const fromFollower = await readPartitions(kafka, topic, [0]);
    expect(fromFollower.map((m) => [m.offset, m.key, m.value])).toEqual(
      fromLeader.map((m) => [m.offset, m.key, m.value]),
    );
  });
});

describe('leader epochs on a single node', () => {
  it('answers OffsetForLeaderEpoch, ListOffsets, Fetch and Metadata at epoch 0, before and after a restart', async () => {
    const broker = await startBroker({ config: { 'auto.create.topics.enable': false } });
    try {
      const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'solo', numPartitions: 2 }], waitForLeaders: true });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: 'solo',
        messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `s${i}` })),
      });
      await producer.disconnect();

      const ofle = (partition: number, currentLeaderEpoch: number, leaderEpoch: number, topic = 'solo') =>
        rawCall(
          broker,
          OffsetForLeaderEpochRequest,
          OffsetForLeaderEpochResponse,
          ApiKey.OffsetForLeaderEpoch,
          3,
          {
            replicaId: -1,
            topics: [{ topic, partitions: [{ partition, currentLeaderEpoch, leaderEpoch }] }],
          },
        ).then((r) => r.topics[0]!.partitions[0]!);
      const check = async (): Promise<void> => {
        expect(await ofle(0, 0, 0)).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 5 });
        // A partition never written to still answers for the current epoch (a consumer must not reset).
        expect(await ofle(1, -1, 0)).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 0 });
        expect(await ofle(0, 1, 0)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH });
        expect(await ofle(0, 0, 0, 'absent')).toMatchObject({
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        });
        const meta = await rawCall(broker, MetadataRequest, MetadataResponse, ApiKey.Metadata, 8, {
          topics: [{ name: 'solo' }],
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        });
        expect(meta.topics[0]!.partitions.map((p) => p.leaderEpoch)).toEqual([0, 0]);
        const latest = await rawCall(broker, ListOffsetsRequest, ListOffsetsResponse, ApiKey.ListOffsets, 5, {
          replicaId: -1,
          isolationLevel: 0,
          topics: [
            {
              name: 'solo',
              partitions: [{ partitionIndex: 0, currentLeaderEpoch: 0, timestamp: -1, maxNumOffsets: 1 }],
            },
          ],
        });
        expect(latest.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, offset: 5, leaderEpoch: 0 });
        expect(await fetchErrorCode(broker, 'solo', 0)).toBe(ErrorCode.NONE);
        expect(await fetchErrorCode(broker, 'solo', 1)).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
      };
      await check();
      await broker.restart();
      await check();
    } finally {
      await broker.dispose();
    }
  });
});

/** The error a Fetch v11 from offset 0 of `topic`-0 naming `currentLeaderEpoch` gets. */
async function fetchErrorCode(
  broker: { readonly port: number },
  topic: string,
  currentLeaderEpoch: number,
): Promise<number> {
  const partition = {
    partition: 0,
    currentLeaderEpoch,
    fetchOffset: 0,
    logStartOffset: -1,
    partitionMaxBytes: 1 << 20,
  };
  const res = await rawCall(broker, FetchRequest, FetchResponse, ApiKey.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [partition] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  return res.responses[0]!.partitions[0]!.errorCode;
}

/** One request on a fresh (or given) raw connection, encoded and decoded with our own message tables. */
async function rawCall<Req extends MessageDef, Res extends MessageDef>(
  broker: { readonly port: number },
  request: Req,
  response: Res,
  apiKey: ApiKey,
  version: number,
  body: MessageOf<Req>,
  conn?: RawKafkaClient,
): Promise<MessageOf<Res>> {
  const c = conn ?? (await RawKafkaClient.connect(broker.port));
  try {
    const w = new Writer();
    request.encode(w, version, body as never);
    const bytes = await c.request(apiKey, version, w.toBuffer());
    return response.decode(new Reader(bytes), version) as MessageOf<Res>;
  } finally {
    if (!conn) c.destroy();
  }
}
