import { CommittedOffsets } from './committed-offsets';
import { parseGroupValue, parseKey, parseOffsetValue, type StoredGroup } from './offsets-topic-records';

/**
 * `__consumer_offsets` records replayed for one partition (or for every partition, at single-node startup),
 * kept apart from the served state until the load completes: a load that loses its partition halfway is simply
 * dropped. Later records win; a null value (tombstone) deletes.
 */
export class GroupLoad {
  readonly groups = new Map<string, StoredGroup>();
  readonly offsets = new CommittedOffsets();
  records = 0;

  constructor(
    /** The partition loaded; null for all of them (single node). */
    readonly partition: number | null,
    /** Identifies this load among the loads of the same partition (a newer leadership supersedes it). */
    readonly token: number,
  ) {}

  replay(key: Buffer, value: Buffer | null): void {
    const k = parseKey(key);
    if (k === null) return;
    this.records++;
    if (k.kind === 'offset') {
      if (value === null) this.offsets.delete(k.group, k.topic, k.partition);
      else this.offsets.set(k.group, k.topic, k.partition, parseOffsetValue(value));
    } else if (value === null) {
      this.groups.delete(k.group);
    } else {
      this.groups.set(k.group, parseGroupValue(value));
    }
  }
}
