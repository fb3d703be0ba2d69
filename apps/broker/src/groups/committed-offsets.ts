import type { StoredOffset } from './offsets-topic-records';

/** topic -> partition -> committed offset, for one group. */
export type GroupOffsets = Map<string, Map<number, StoredOffset>>;

/** Committed offsets by group, topic and partition; empty maps are removed so `has(group)` means "has offsets". */
export class CommittedOffsets {
  private readonly byGroup = new Map<string, GroupOffsets>();

  get(group: string): ReadonlyMap<string, ReadonlyMap<number, StoredOffset>> | undefined {
    return this.byGroup.get(group);
  }

  has(group: string): boolean {
    return this.byGroup.has(group);
  }

  groups(): string[] {
    return [...this.byGroup.keys()];
  }

  set(group: string, topic: string, partition: number, v: StoredOffset): void {
    let byTopic = this.byGroup.get(group);
    if (!byTopic) this.byGroup.set(group, (byTopic = new Map()));
    let parts = byTopic.get(topic);
    if (!parts) byTopic.set(topic, (parts = new Map()));
    parts.set(partition, v);
  }

  delete(group: string, topic: string, partition: number): void {
    const byTopic = this.byGroup.get(group);
    const parts = byTopic?.get(topic);
    if (!byTopic || !parts) return;
    parts.delete(partition);
    if (parts.size === 0) byTopic.delete(topic);
    if (byTopic.size === 0) this.byGroup.delete(group);
  }

  deleteGroup(group: string): void {
    this.byGroup.delete(group);
  }

  /** Moves every group of `other` in here, replacing what this held for those groups. */
  takeAll(other: CommittedOffsets): void {
    for (const [group, offsets] of other.byGroup) this.byGroup.set(group, offsets);
    other.byGroup.clear();
  }
}
