import { ClusterState, CoordinatorClient } from '@tributary/cluster';
import { ApiKey, MetadataRequest, MetadataResponse, Reader, Writer } from '@tributary/protocol';
import { RawKafkaClient } from '../raw-kafka-client';
import type { MetadataPartition } from './history-recorder';
import { withTimeout } from './workload-context';

/** What one node says the cluster looks like (the payload of a `metadata` history op). */
export interface MetadataView {
  topics: { name: string; partitions: MetadataPartition[] }[];
  /** Live brokers listed by a broker's answer. */
  brokers?: number[];
  /** The coordinator's metadata log offset. */
  metadataOffset?: number;
  /** The next producer id the coordinator hands out (coordinator only). */
  nextProducerId?: number;
}

const METADATA_VERSION = 7; // the first with leader epochs

/**
 * Asks one broker (and only that broker) for the metadata of every topic, over a fresh connection. A stopped
 * broker accepts the connection but never answers: the request gives up after `timeoutMs`.
 */
export async function brokerMetadata(port: number, timeoutMs = 2000): Promise<MetadataView> {
  const connecting = RawKafkaClient.connect(port);
  const client = await withTimeout(`connect to ${port}`, timeoutMs, () => connecting).catch((e: unknown) => {
    // A connection made after we gave up must not stay open.
    connecting.then((c) => c.destroy()).catch(() => undefined);
    throw e;
  });
  try {
    const w = new Writer(16);
    MetadataRequest.encode(w, METADATA_VERSION, {
      topics: null,
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const body = await client.request(
      ApiKey.Metadata,
      METADATA_VERSION,
      w.toBuffer(),
      'chaos-metadata',
      timeoutMs,
    );
    const res = MetadataResponse.decode(new Reader(body), METADATA_VERSION);
    return {
      brokers: res.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
      topics: res.topics
        .filter((t) => t.errorCode === 0)
        .map((t) => ({
          name: t.name,
          partitions: t.partitions
            .map((p) => ({
              partition: p.partitionIndex,
              leader: p.leaderId,
              leaderEpoch: p.leaderEpoch,
              replicas: [...p.replicaNodes],
              isr: [...p.isrNodes],
            }))
            .sort((a, b) => a.partition - b.partition),
        }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    };
  } finally {
    client.destroy();
  }
}

/**
 * The coordinator's own view: its metadata log read from the start through the control RPC (deltas or a
 * snapshot), applied to a fresh ClusterState as a broker would.
 */
export async function coordinatorMetadata(client: CoordinatorClient): Promise<MetadataView> {
  let state = new ClusterState();
  for (let round = 0; round < 1000; round++) {
    const res = await client.fetchMetadata(state.offset);
    if (res.kind === 'snapshot') {
      state = ClusterState.fromSnapshot(res.snapshot);
      break;
    }
    for (const e of res.entries) if (e.offset > state.offset) state.apply(e);
    if (state.offset >= res.offset) break;
  }
  return {
    metadataOffset: state.offset,
    nextProducerId: state.nextProducerId,
    topics: state
      .topics()
      .map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          leader: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicas: [...p.replicas],
          isr: [...p.isr],
        })),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

export function coordinatorClient(address: string, timeoutMs = 2000): CoordinatorClient {
  const colon = address.lastIndexOf(':');
  return new CoordinatorClient({
    host: address.slice(0, colon),
    port: Number(address.slice(colon + 1)),
    requestTimeoutMs: timeoutMs,
  });
}
