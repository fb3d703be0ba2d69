import type { SinkRecord } from '@tributary/connect-sdk';
import type { Checkpoint } from './checkpoint';
import { headerText } from './format-record';

/** The source line a record carries (file-source sets these headers), if any. */
function sourceOf(record: SinkRecord): { id: string; position: number } | null {
  const id = headerText(record.headers, 'source.id');
  const raw = headerText(record.headers, 'source.position');
  if (id === undefined || raw === undefined || !/^\d+$/.test(raw)) return null;
  return { id, position: Number(raw) };
}

/**
 * Decides which records are new to the output. A record is a duplicate when its topic offset is below the next
 * offset already written for its partition (framework redelivery), or when its source line is at or before
 * the last one written from that source (a restarted source re-sent it under a new topic offset).
 */
export class WriteFilter {
  private readonly next: Map<string, number>;
  private readonly sources: Map<string, number>;

  constructor(cp: Checkpoint) {
    this.next = new Map(Object.entries(cp.next));
    this.sources = new Map(Object.entries(cp.sources));
  }

  /** Whether to write `record`; remembers it as written when true (and its offset either way). */
  admit(record: SinkRecord): boolean {
    const tp = `${record.topic}/${record.partition}`;
    const next = this.next.get(tp);
    if (next !== undefined && record.offset < next) return false;
    this.next.set(tp, record.offset + 1);
    const src = sourceOf(record);
    if (!src) return true;
    const last = this.sources.get(src.id);
    if (last !== undefined && src.position <= last) return false;
    this.sources.set(src.id, src.position);
    return true;
  }

  /** Raises the next offsets to what a flush covers (records the framework sent elsewhere, e.g. a DLQ); true if any moved. */
  advance(topic: string, partition: number, offset: number): boolean {
    const tp = `${topic}/${partition}`;
    if (offset <= (this.next.get(tp) ?? -1)) return false;
    this.next.set(tp, offset);
    return true;
  }

  snapshot(size: number): Checkpoint {
    return { size, next: Object.fromEntries(this.next), sources: Object.fromEntries(this.sources) };
  }
}
