import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { FlushScheduler } from './flush-scheduler';
import { DEFAULT_LOG_CONFIG, LogConfig } from './log-config';
import { PartitionLog } from './partition-log';
import { buildBatch, splitBatches } from './test-batches';

describe('PartitionLog property: random appends and reopens read back byte-identical', () => {
  it('holds for random batch sizes, segment sizes and reopen points', async () => {
    const op = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant('append' as const),
          records: fc.integer({ min: 1, max: 6 }),
          size: fc.integer({ min: 0, max: 300 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 200, max: 3000 }),
        fc.integer({ min: 0, max: 1000 }),
        async (ops, segmentBytes, indexIntervalBytes) => {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plog-prop-'));
          const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes, indexIntervalBytes };
          const flusher = new FlushScheduler();
          let log = PartitionLog.open(dir, config, flusher);
          const stored: Buffer[] = [];
          try {
            for (const o of ops) {
              if (o.kind === 'reopen') {
                await log.close();
                log = PartitionLog.open(dir, config, flusher);
                continue;
              }
              const batch = buildBatch(
                Array.from({ length: o.records }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(o.size) })),
                1_000 + stored.length,
              );
              log.append(batch, 3);
              stored.push(Buffer.from(batch));
            }
            const all = splitBatches(log.read(0, 1 << 24).chunks);
            expect(all.length).toBe(stored.length);
            all.forEach((b, i) => expect(b.bytes.equals(stored[i]!)).toBe(true));
            // Every offset reads back starting with the batch that holds it.
            for (const b of all) {
              const mid = b.baseOffset + ((b.lastOffset - b.baseOffset) >> 1);
              expect(splitBatches(log.read(mid, 1).chunks)[0]!.bytes.equals(b.bytes)).toBe(true);
            }
          } finally {
            await log.close();
            fs.rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { seed: 20261123, numRuns: 40 },
    );
  });
});
