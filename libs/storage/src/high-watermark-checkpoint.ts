// The high watermarks of the replicated partitions under one data directory, saved so that a restarted broker
// starts from them rather than from 0.
//
// One file for the whole directory, as Kafka's replication-offset-checkpoint: it is rewritten every few seconds,
// and one small write + fsync per round costs the same for 10 partitions or 10,000, where a file per partition
// would cost an fsync each. A stale value is safe (the high watermark only lags), so nothing waits on it.
import * as fs from 'node:fs';
import { joinPath, writeFileAtomic } from './file-io';

export const HIGH_WATERMARK_CHECKPOINT_FILE = 'replication-offset-checkpoint';
const FORMAT_VERSION = 0;

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * Kafka's text format: a version line, a count line, then `<topic> <partition> <offset>` lines. The values
 * found at start are handed out once each (`take`), so a topic deleted and created again under the same name
 * never inherits its predecessor's high watermark.
 */
export class HighWatermarkCheckpoint {
  readonly file: string;
  /** Why the file found at start could not be used (it is then ignored: high watermarks start at 0). */
  readonly problem: string | null;
  private readonly restored = new Map<string, number>();
  private lastWritten = '';

  constructor(dataDir: string) {
    this.file = joinPath(dataDir, HIGH_WATERMARK_CHECKPOINT_FILE);
    const read = readHighWatermarks(this.file);
    this.problem = 'problem' in read ? read.problem : null;
    if ('entries' in read)
      for (const e of read.entries) this.restored.set(key(e.topic, e.partition), e.offset);
  }

  /** The high watermark saved for this partition before this start, the first time it is asked for. */
  take(topic: string, partition: number): number | undefined {
    const k = key(topic, partition);
    const hw = this.restored.get(k);
    this.restored.delete(k);
    return hw;
  }

  /** Replaces the file with these values; skipped when they are what the file already holds. */
  write(entries: readonly PartitionOffset[]): boolean {
    const sorted = [...entries].sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    );
    const lines = [String(FORMAT_VERSION), String(sorted.length)];
    for (const e of sorted) lines.push(`${e.topic} ${e.partition} ${e.offset}`);
    const text = `${lines.join('\n')}\n`;
    if (text === this.lastWritten) return false;
    writeFileAtomic(this.file, text);
    this.lastWritten = text;
    return true;
  }
}

/** Reads a high-watermark checkpoint: no entries when the file is missing, `problem` when it is corrupt. */
export function readHighWatermarks(file: string): { entries: PartitionOffset[] } | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [] };
    return { problem: `${file} cannot be read: ${(err as Error).message}` };
  }
  const bad = (why: string): { problem: string } => ({
    problem: `${file} is corrupt (${why}); high watermarks start at 0 and the file is rewritten`,
  });
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  if (lines[0]?.trim() !== String(FORMAT_VERSION)) return bad(`version line ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || lines.length !== count + 2)
    return bad(`count ${JSON.stringify(lines[1])} does not match ${lines.length - 2} entries`);
  const entries: PartitionOffset[] = [];
  for (const line of lines.slice(2)) {
    // Split from the right: the last two fields are numbers, whatever the topic name holds.
    const parts = line.trim().split(' ');
    const offset = Number(parts.pop());
    const partition = Number(parts.pop());
    const topic = parts.join(' ');
    if (topic.length === 0 || !Number.isSafeInteger(partition) || partition < 0)
      return bad(`entry ${JSON.stringify(line)}`);
    if (!Number.isSafeInteger(offset) || offset < 0) return bad(`entry ${JSON.stringify(line)}`);
    entries.push({ topic, partition, offset });
  }
  return { entries };
}
