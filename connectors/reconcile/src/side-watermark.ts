/** What a side's watermark persists: the highest event time seen per partition, and the watermark itself. */
export interface SideWatermarkState {
  partitions: Record<string, number>;
  watermark: number | null;
}

/**
 * One side's event-time watermark: the lowest, over its partitions, of the highest event time each delivered.
 * Each partition is in event-time order (a service writes its events as they happen), so once every partition
 * is past `t`, no event before `t` can still arrive on this side within the window's promise. A partition that
 * delivered nothing for `idleMs` of wall clock stops holding the watermark back (a quiet or empty partition
 * must not stall every result); when all are idle the watermark is the highest event time seen.
 */
export class SideWatermark {
  private readonly maxTs = new Map<number, number>();
  private readonly lastRecordAt = new Map<number, number>();
  private partitionCount: number | null = null;
  private current = -Infinity;

  constructor(
    private readonly idleMs: number,
    private readonly startedAt: number,
  ) {}

  get value(): number {
    return this.current;
  }

  get known(): boolean {
    return this.partitionCount !== null;
  }

  setPartitions(n: number): void {
    this.partitionCount = n;
  }

  /** Notes a record's event time; replays count too (they were seen before the crash as well). */
  observe(partition: number, ts: number, now: number): void {
    const prev = this.maxTs.get(partition);
    if (prev === undefined || ts > prev) this.maxTs.set(partition, ts);
    this.lastRecordAt.set(partition, now);
  }

  /** Recomputes the watermark; it never moves back. Returns true when it advanced. */
  update(now: number): boolean {
    const n = this.partitionCount;
    if (n === null) return false;
    let min = Infinity;
    let max = -Infinity;
    let active = 0;
    let blocked = false;
    for (let p = 0; p < n; p++) {
      const ts = this.maxTs.get(p);
      if (ts !== undefined && ts > max) max = ts;
      if (now - (this.lastRecordAt.get(p) ?? this.startedAt) > this.idleMs) continue;
      active++;
      if (ts === undefined) blocked = true;
      else if (ts < min) min = ts;
    }
    const candidate = blocked ? -Infinity : active > 0 ? min : max;
    if (candidate > this.current) {
      this.current = candidate;
      return true;
    }
    return false;
  }

  save(): SideWatermarkState {
    return {
      partitions: Object.fromEntries(this.maxTs),
      watermark: Number.isFinite(this.current) ? this.current : null,
    };
  }

  restore(s: SideWatermarkState): void {
    for (const [p, ts] of Object.entries(s.partitions)) this.maxTs.set(Number(p), ts);
    if (s.watermark !== null) this.current = Math.max(this.current, s.watermark);
  }
}
