import type { SourceOffset, SourcePartition, SourcePosition, SourceRecord } from '../records';

/** Stable key for a partition map: keys sorted, so `{a,b}` and `{b,a}` are one partition. */
function partitionKey(partition: SourcePartition): string {
  return JSON.stringify(
    Object.keys(partition)
      .sort()
      .map((k) => [k, partition[k]]),
  );
}

/**
 * Plays the framework's offset storage: offsets become visible to `offsetFor`/`storedOffsets` only when the
 * harness acks records, as the worker does once the brokers acked them. Offsets go through JSON, as on disk.
 */
export class InMemoryOffsetStore {
  private readonly positions = new Map<string, SourcePosition>();

  /** Stores the latest offset per partition of these records (in order); returns the positions stored. */
  ack(records: readonly SourceRecord[]): SourcePosition[] {
    const latest = new Map<string, SourcePosition>();
    for (const r of records) {
      latest.set(partitionKey(r.sourcePartition), {
        partition: JSON.parse(JSON.stringify(r.sourcePartition)) as SourcePartition,
        offset: JSON.parse(JSON.stringify(r.sourceOffset)) as SourceOffset,
      });
    }
    for (const [k, p] of latest) this.positions.set(k, p);
    return [...latest.values()];
  }

  offsetFor(partition: SourcePartition): SourceOffset | null {
    return this.positions.get(partitionKey(partition))?.offset ?? null;
  }

  all(): SourcePosition[] {
    return [...this.positions.values()];
  }
}
