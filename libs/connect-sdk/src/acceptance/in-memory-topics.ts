import type { GaugeSample, OutputRecord, StoredRecord, TaskMetrics, TopicAccess } from '../tasks';

/**
 * The framework's topic access kept in memory, for the acceptance suite and connector unit specs: topics are
 * arrays of records (JSON round-tripped, as the worker's converter would), one partition unless `ensure` said
 * otherwise; keys go to partition `hash(key) % n` so a key's records stay in order.
 */
export class InMemoryTopics implements TopicAccess {
  readonly topics = new Map<string, { compacted: boolean; partitions: StoredRecord[][] }>();

  async ensure(topic: string, opts: { partitions: number; compacted: boolean }): Promise<void> {
    if (!this.topics.has(topic)) {
      this.topics.set(topic, {
        compacted: opts.compacted,
        partitions: Array.from({ length: opts.partitions }, () => []),
      });
    }
  }

  /** Input topics the suite feeds directly are not created here: they count as one partition. */
  async partitions(topic: string): Promise<number> {
    return this.topics.get(topic)?.partitions.length ?? 1;
  }

  async readAll(topic: string, onRecord: (r: StoredRecord) => void): Promise<void> {
    const t = this.topics.get(topic);
    if (!t) return;
    for (const p of t.partitions) for (const r of [...p]) onRecord(r);
  }

  async send(records: readonly OutputRecord[]): Promise<void> {
    for (const r of records) {
      if (!this.topics.has(r.topic)) await this.ensure(r.topic, { partitions: 1, compacted: false });
      const parts = this.topic(r.topic).partitions;
      const partition = r.key === null ? 0 : hash(r.key) % parts.length;
      const log = parts[partition]!;
      log.push({
        partition,
        offset: log.length,
        key: r.key,
        value: r.value === null ? null : (JSON.parse(JSON.stringify(r.value)) as unknown),
      });
    }
  }

  /** Every value written to a topic, in partition then offset order. */
  values(topic: string): unknown[] {
    return (this.topics.get(topic)?.partitions ?? []).flat().map((r) => r.value);
  }

  private topic(name: string) {
    const t = this.topics.get(name);
    if (!t) throw new Error(`topic "${name}" does not exist`);
    return t;
  }
}

/** Gauges collected on demand, as the worker's registry would at a scrape. */
export class InMemoryMetrics implements TaskMetrics {
  private readonly gauges = new Map<string, () => GaugeSample[]>();

  gauge(spec: { name: string; collect: () => GaugeSample[] }): void {
    this.gauges.set(spec.name, spec.collect);
  }

  collect(name: string): GaugeSample[] {
    return this.gauges.get(name)?.() ?? [];
  }
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h >>> 0;
}
