import type { Kafka } from 'kafkajs';
import { kafkajsCluster, type KafkajsCluster, type KafkajsMessage } from './kafkajs-cluster';

/**
 * Plain Fetch requests for chosen partitions, without a consumer group (kcat -C style assignment). kafkajs has
 * no public assign-style consumer, so this uses its cluster object (request encoders, batch decoder, registered
 * codecs) through the Kafka instance's private factory symbol; the same technique as the test harness's reader.
 * Used by `tributary consume` and by the connect worker to read its internal topics to the end.
 */
/** A fetched record with its partition and numeric offset; bytes as stored. */
export interface FetchedMessage extends KafkajsMessage {
  partition: number;
  offsetNumber: number;
}

/** A fetch failed in a way retrying the same request cannot fix; the message says what to do. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
}

export interface FetchRound {
  messages: FetchedMessage[];
  /** Next offset to fetch per partition after this round. */
  positions: Map<number, number>;
  highWatermarks: Map<number, number>;
}

/** Kafka error code for OFFSET_OUT_OF_RANGE. */
const OFFSET_OUT_OF_RANGE = 1;

export class PartitionFetcher {
  private readonly cluster: KafkajsCluster;
  private leaders = new Map<number, number>();

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.cluster = kafkajsCluster(kafka);
  }

  /** Connects and loads the topic's partitions and leaders. */
  async open(): Promise<number[]> {
    await this.cluster.connect();
    await this.cluster.addTargetTopic(this.topic);
    await this.cluster.refreshMetadata();
    for (const p of this.cluster.findTopicPartitionMetadata(this.topic))
      this.leaders.set(p.partitionId, p.leader);
    return [...this.leaders.keys()].sort((a, b) => a - b);
  }

  close(): Promise<void> {
    return this.cluster.disconnect();
  }

  /** One Fetch per leader for every partition in `positions`, waiting up to `maxWaitMs` for data. */
  async fetch(positions: Map<number, number>, maxWaitMs: number): Promise<FetchRound> {
    const byLeader = new Map<number, number[]>();
    for (const p of positions.keys()) {
      const leader = this.leaders.get(p);
      if (leader === undefined) throw new FetchError(`topic "${this.topic}" has no partition ${p}`);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    const round: FetchRound = { messages: [], positions: new Map(positions), highWatermarks: new Map() };
    await Promise.all(
      [...byLeader].map(async ([leader, partitions]) => {
        const broker = await this.cluster.findBroker({ nodeId: String(leader) });
        const res = await broker.fetch({
          replicaId: -1,
          isolationLevel: 0,
          maxWaitTime: maxWaitMs,
          minBytes: 1,
          maxBytes: 8 * 1024 * 1024,
          topics: [
            {
              topic: this.topic,
              partitions: partitions.map((p) => ({
                partition: p,
                fetchOffset: String(positions.get(p)),
                maxBytes: 1024 * 1024,
              })),
            },
          ],
        });
        for (const pr of res.responses.find((t) => t.topicName === this.topic)?.partitions ?? []) {
          const from = positions.get(pr.partition)!;
          if (pr.errorCode === OFFSET_OUT_OF_RANGE) {
            throw new FetchError(
              `offset ${from} is out of range for ${this.topic}/${pr.partition}; use --from-beginning or an offset shown by \`tributary topics describe ${this.topic}\``,
            );
          }
          if (pr.errorCode !== 0)
            throw new FetchError(
              `fetch from ${this.topic}/${pr.partition} at offset ${from} failed with Kafka error code ${pr.errorCode}`,
            );
          round.highWatermarks.set(pr.partition, Number(pr.highWatermark));
          let next = from;
          for (const m of pr.messages) {
            const o = Number(m.offset);
            // Whole stored batches come back, so the first may start before the requested offset.
            if (o < next) continue;
            next = o + 1;
            if (!m.isControlRecord) round.messages.push({ ...m, partition: pr.partition, offsetNumber: o });
          }
          round.positions.set(pr.partition, next);
        }
      }),
    );
    round.messages.sort((a, b) => a.partition - b.partition || a.offsetNumber - b.offsetNumber);
    return round;
  }
}
