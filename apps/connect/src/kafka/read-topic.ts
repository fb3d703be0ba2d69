import type { Kafka } from 'kafkajs';
import { PartitionFetcher, type FetchedMessage } from '@tributary/common';

/**
 * Reads every partition of a topic from the beginning up to the high watermarks seen at the start, in offset
 * order per partition. The worker uses it to load its internal compacted topics (offsets, configs, status).
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onMessage: (m: FetchedMessage) => void,
): Promise<void> {
  const fetcher = new PartitionFetcher(kafka, topic);
  try {
    const partitions = await fetcher.open();
    let positions = new Map(partitions.map((p) => [p, 0]));
    // First round learns the high watermarks; stop each partition once it reached its end.
    let ends: Map<number, number> | null = null;
    while (positions.size > 0) {
      const round = await fetcher.fetch(positions, ends === null ? 0 : 100);
      ends ??= new Map(round.highWatermarks);
      for (const m of round.messages) {
        if (m.offsetNumber < (ends.get(m.partition) ?? 0)) onMessage(m);
      }
      const next = new Map<number, number>();
      for (const [p, pos] of round.positions) if (pos < (ends.get(p) ?? 0)) next.set(p, pos);
      positions = next;
    }
  } finally {
    await fetcher.close().catch(() => undefined);
  }
}
