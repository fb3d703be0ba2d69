/** A line or a joined multi-line event: byte range in the file and its text. */
export interface TextEvent {
  start: number;
  end: number;
  text: string;
  /** A line of the event exceeded `max.line.bytes` and was cut. */
  oversized: boolean;
}

interface Pending extends TextEvent {
  lines: number;
  lastAt: number;
}

/**
 * Joins continuation lines (those not matching `start`) onto the event before them, e.g. a stack trace onto
 * its log line. Lines before the first start line form an event of their own.
 */
export class MultilineJoiner {
  private pending: Pending | null = null;

  constructor(
    private readonly start: RegExp,
    private readonly maxLines: number,
  ) {}

  get hasPending(): boolean {
    return this.pending !== null;
  }

  /** Adds one line; returns the events it completed (zero or one, two when an oversized line ends a pending one). */
  push(line: TextEvent, now: number): TextEvent[] {
    const done: TextEvent[] = [];
    // An oversized line is emitted alone as a failure, never glued to its neighbours.
    if (line.oversized) {
      const p = this.take();
      if (p) done.push(p);
      done.push(line);
      return done;
    }
    const p = this.pending;
    if (p && !this.start.test(line.text) && p.lines < this.maxLines) {
      p.text += `\n${line.text}`;
      p.end = line.end;
      p.lines += 1;
      p.lastAt = now;
      return done;
    }
    const prev = this.take();
    if (prev) done.push(prev);
    this.pending = { ...line, lines: 1, lastAt: now };
    return done;
  }

  /** The pending event, if no line arrived for `timeoutMs`. */
  takeIfIdle(now: number, timeoutMs: number): TextEvent | null {
    return this.pending && now - this.pending.lastAt >= timeoutMs ? this.take() : null;
  }

  private take(): TextEvent | null {
    const p = this.pending;
    this.pending = null;
    return p ? { start: p.start, end: p.end, text: p.text, oversized: p.oversized } : null;
  }
}
