import type { Producer } from 'kafkajs';
import type { SourceOffset, SourcePartition, SourcePosition } from '@tributary/connect-sdk';
import { canonicalJson } from '@tributary/common';

/**
 * Source offsets in a compacted topic, Kafka Connect's layout: key `["<connector>", {<source partition>}]`,
 * value the offset map (null deletes it). Writes are acks=all through the idempotent producer, so once `write`
 * resolves the offset is durable and the task may release the upstream position.
 */
export class OffsetStore {
  private readonly byConnector = new Map<string, Map<string, SourcePosition>>();

  constructor(
    private readonly producer: Producer,
    readonly topic: string,
  ) {}

  /** Applies one record of the offsets topic (loading at start). */
  apply(key: Buffer | null, value: Buffer | null): void {
    if (!key) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(key.toString('utf8'));
    } catch {
      return; // not ours
    }
    if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'object') return;
    const [connector, partition] = parsed as [string, SourcePartition];
    const offset = value === null ? null : (JSON.parse(value.toString('utf8')) as SourceOffset | null);
    this.set(connector, partition, offset);
  }

  positions(connector: string): SourcePosition[] {
    return [...(this.byConnector.get(connector)?.values() ?? [])];
  }

  offsetFor(connector: string, partition: SourcePartition): SourceOffset | null {
    return this.byConnector.get(connector)?.get(canonicalJson(partition))?.offset ?? null;
  }

  /** Durably stores positions (offset null = forget the partition). */
  async write(
    connector: string,
    positions: readonly { partition: SourcePartition; offset: SourceOffset | null }[],
  ): Promise<void> {
    if (positions.length === 0) return;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: positions.map((p) => ({
        key: canonicalJson([connector, p.partition]),
        value: p.offset === null ? null : JSON.stringify(p.offset),
      })),
    });
    for (const p of positions) this.set(connector, p.partition, p.offset);
  }

  private set(connector: string, partition: SourcePartition, offset: SourceOffset | null): void {
    let m = this.byConnector.get(connector);
    if (!m) this.byConnector.set(connector, (m = new Map()));
    const k = canonicalJson(partition);
    if (offset === null) m.delete(k);
    else m.set(k, { partition, offset });
  }
}
