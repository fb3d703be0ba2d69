/** A deadline for one key: fires once the governing watermark passes `at`. `gen` detects superseded items. */
export interface Deadline {
  at: number;
  key: string;
  gen: number;
}

/** A binary min-heap of deadlines; superseded items stay in it and are skipped when they surface. */
export class DeadlineHeap {
  private readonly items: Deadline[] = [];

  get size(): number {
    return this.items.length;
  }

  push(d: Deadline): void {
    const a = this.items;
    a.push(d);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.at <= d.at) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = d;
  }

  /** Removes and returns the earliest deadline if it is before `watermark`. */
  popBefore(watermark: number): Deadline | null {
    const a = this.items;
    const top = a[0];
    if (!top || !(top.at < watermark)) return null;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r]!.at < a[l]!.at ? r : l;
        if (a[c]!.at >= last.at) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
