import type { GroupStore } from './group-store';
import type { StoreRecord } from './offsets-topic-records';

/**
 * An in-memory GroupStore for state-machine tests: the records the coordinator would append to
 * `__consumer_offsets`, in order, each with the partition it would go to (`partitionOf`, default 0). Several
 * coordinators may share one, like brokers sharing a replicated offsets topic.
 */
export class MemoryStore implements GroupStore {
  readonly records: StoreRecord[] = [];
  readonly partitions: number[] = [];
  failing: Error | null = null;
  /** When set, writes wait until `release()` (to interleave a write with a leadership change). */
  held: (() => void)[] | null = null;

  constructor(private readonly partitionOf: (groupId: string) => number = () => 0) {}

  partitionFor(groupId: string): number {
    return this.partitionOf(groupId);
  }

  write(groupId: string, records: StoreRecord[]): Promise<void> {
    if (this.failing) return Promise.reject(this.failing);
    const apply = (): void => {
      this.records.push(...records);
      for (let i = 0; i < records.length; i++) this.partitions.push(this.partitionOf(groupId));
    };
    if (this.held === null) {
      apply();
      return Promise.resolve();
    }
    const held = this.held;
    return new Promise((resolve) =>
      held.push(() => {
        apply();
        resolve();
      }),
    );
  }

  /** Completes every held write. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const f of held) f();
  }

  /** The records of one partition, in order (what its new leader replays). */
  recordsOf(partition: number): StoreRecord[] {
    return this.records.filter((_, i) => this.partitions[i] === partition);
  }
}
