import type { Kafka } from 'kafkajs';
import { kafkajsCluster } from '@tributary/common';

/**
 * Reads partitions from an offset with plain Fetch requests through kafkajs's own cluster/broker code (its
 * request encoders, record batch decoder and registered codecs), without a consumer group. kafkajs has no public
 * assign-style consumer, so this reaches its cluster factory through the Kafka instance's private symbol.
 */
export interface FetchedMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  timestamp: number;
}

const str = (b: Buffer | string | null | undefined): string | null =>
  b === null || b === undefined ? null : b.toString();

/**
 * Fetches every message of `partitions` from `fromOffset` up to the high watermark at the time of the first fetch.
 * Throws with the broker error code if a partition answers an error.
 */
export async function readPartitions(
  kafka: Kafka,
  topic: string,
  partitions: number[],
  opts: { fromOffset?: number; maxRounds?: number } = {},
): Promise<FetchedMessage[]> {
  const cluster = kafkajsCluster(kafka);
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    await cluster.refreshMetadata();
    const meta = cluster.findTopicPartitionMetadata(topic);
    const out: FetchedMessage[] = [];
    for (const partition of partitions) {
      const pm = meta.find((m) => m.partitionId === partition);
      if (!pm)
        throw new Error(
          `topic ${topic} has no partition ${partition} in metadata (${meta.length} partitions)`,
        );
      const broker = await cluster.findBroker({ nodeId: String(pm.leader) });
      let offset = opts.fromOffset ?? 0;
      let end: number | null = null;
      for (let round = 0; round < (opts.maxRounds ?? 1000); round++) {
        const res = await broker.fetch({
          replicaId: -1,
          isolationLevel: 0,
          maxWaitTime: 50,
          minBytes: 1,
          maxBytes: 4 * 1024 * 1024,
          topics: [
            { topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: 1024 * 1024 }] },
          ],
        });
        const pr = res.responses
          .find((t) => t.topicName === topic)
          ?.partitions.find((p) => p.partition === partition);
        if (!pr) throw new Error(`fetch response had no entry for ${topic}/${partition}`);
        if (pr.errorCode !== 0)
          throw new Error(
            `fetch ${topic}/${partition} at offset ${offset} failed with error code ${pr.errorCode}`,
          );
        if (end === null) end = Number(pr.highWatermark);
        for (const m of pr.messages) {
          const o = Number(m.offset);
          if (o < offset || m.isControlRecord) continue;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {}))
            headers[k] = Array.isArray(v) ? v.map((x) => x.toString()).join(',') : String(str(v));
          out.push({
            partition,
            offset: o,
            key: str(m.key),
            value: str(m.value),
            headers,
            timestamp: Number(m.timestamp),
          });
          offset = o + 1;
        }
        if (offset >= end) break;
      }
    }
    return out;
  } finally {
    await cluster.disconnect();
  }
}
