import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRecords, isControl, scanBatches } from '@tributary/protocol';
import type { ReadMessage } from './history-recorder';

const SEGMENT = /^\d{20}\.log$/;
const MAX_UNCOMPRESSED = 256 * 1024 * 1024;

/**
 * Reads one partition's log straight from a stopped broker's data dir (`<dataDir>/<topic>-<partition>/*.log`),
 * read-only: every record of every whole batch, in offset order (control records left out). A torn tail (a batch
 * cut short or failing its CRC) ends the read, as recovery would cut it. No directory: an empty log.
 */
export async function readReplicaLog(
  dataDir: string,
  topic: string,
  partition: number,
): Promise<ReadMessage[]> {
  const dir = join(dataDir, `${topic}-${partition}`);
  if (!existsSync(dir)) return [];
  const segments = readdirSync(dir)
    .filter((f) => SEGMENT.test(f))
    .sort();
  const out: ReadMessage[] = [];
  for (const file of segments) {
    const buf = readFileSync(join(dir, file));
    const { batches, stop } = scanBatches(buf, { verifyCrc: true });
    for (const b of batches) {
      if (isControl(b.header.attributes)) continue;
      const { records } = await decodeRecords(buf.subarray(b.start, b.end), {
        maxUncompressedBytes: MAX_UNCOMPRESSED,
      });
      for (const r of records)
        out.push({
          partition,
          offset: b.header.baseOffset + r.offsetDelta,
          value: r.value === null ? null : r.value.toString('utf8'),
        });
    }
    if (stop !== 'end') break;
  }
  return out;
}
