import { ApiKey } from '@tributary/protocol';
import {
  RawKafkaClient,
  checkHistory,
  decodeFetchV4Batches,
  encodeFetchV4,
  type HistoryMessage,
} from '@tributary/testing';

/** Codecs every client in scope must round-trip through the broker. */
export const ALL_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Codec = (typeof ALL_CODECS)[number];

export const PARTITIONS = [0, 1, 2];

/**
 * Keyed messages with headers for one codec, spread over the partitions. Values repeat text so compression has
 * something to do, and carry non-ASCII characters to catch encoding slips. No ':' in keys and no newlines
 * anywhere, so the same messages work through kcat's line-oriented input.
 */
export function makeMessages(client: string, codec: Codec, perPartition = 4): HistoryMessage[] {
  const out: HistoryMessage[] = [];
  for (const partition of PARTITIONS) {
    for (let i = 0; i < perPartition; i++) {
      out.push({
        partition,
        key: `${client}-${codec}-p${partition}-k${i}`,
        value: `${client}|${codec}|p${partition}|#${i}|${'lorem ipsum dolor sit amet '.repeat(6)}|ünïcødé €`,
        headers: { codec, partition: String(partition) },
      });
    }
  }
  return out;
}

/**
 * Asserts that `consumed` holds exactly `sent`: nothing lost, duplicated, reordered or unexpected (key, value
 * and headers compared), per-partition offsets contiguous from 0, and the same sequence per partition.
 */
export function expectExactRoundTrip(sent: HistoryMessage[], consumed: HistoryMessage[]): void {
  const report = checkHistory(sent, consumed, { contiguousOffsets: true });
  if (!report.ok) throw new Error(`round trip through the broker differs:\n${report.summary}`);
  const strip = (ms: HistoryMessage[], p: number): Omit<HistoryMessage, 'offset'>[] =>
    ms
      .filter((m) => m.partition === p)
      .map(({ partition, key, value, headers }) => ({ partition, key, value, headers: headers ?? {} }));
  for (const p of PARTITIONS) expect(strip(consumed, p)).toEqual(strip(sent, p));
}

/** Unique topic name per test, so reruns against a kept data dir never collide. */
export function topicName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

const CODEC_ID: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/**
 * Proves the client really compressed: fetches each partition with a raw Fetch and checks that every stored batch
 * carries the codec's id (the broker stores batches as received). Guards against a client silently falling back
 * to no compression, which would make a codec test pass vacuously.
 */
export async function expectStoredCodec(port: number, topic: string, codec: Codec): Promise<void> {
  const c = await RawKafkaClient.connect(port);
  try {
    for (const p of PARTITIONS) {
      const res = decodeFetchV4Batches(await c.request(ApiKey.Fetch, 4, encodeFetchV4(topic, p, 0)));
      expect(res.errorCode).toBe(0);
      expect(res.batches.length).toBeGreaterThan(0);
      const stored = [...new Set(res.batches.map((b) => b.codec))];
      if (stored.length !== 1 || stored[0] !== CODEC_ID[codec]) {
        const hint =
          codec === 'lz4'
            ? ' librdkafka only enables lz4 when the broker advertises FindCoordinator (api key 10) in ApiVersions.'
            : '';
        throw new Error(
          `partition ${p}: stored batches carry codec ids [${stored.join(', ')}], expected ${CODEC_ID[codec]} (${codec}): the client did not compress.${hint}`,
        );
      }
    }
  } finally {
    c.destroy();
  }
}
