import { setBaseOffset } from './batch-header';
import { batchesIn, scanBatches } from './iterate-batches';
import { encodeRecordBatch } from './record-batch';
import { smallBatch } from './small-batch.test-helper';

/** Three batches: 75 bytes at 0, 76 bytes at 75, 75 bytes at 151; 226 bytes in all. */
async function log(): Promise<Buffer> {
  const a = smallBatch();
  const b = await encodeRecordBatch({
    baseOffset: 1,
    records: [
      { key: null, value: Buffer.from('x') },
      { key: null, value: null },
    ],
  });
  const c = smallBatch();
  setBaseOffset(c, 0, 3);
  expect(b.length).toBe(76);
  return Buffer.concat([a, b, c]);
}

describe('batchesIn', () => {
  it('yields each stored batch with its byte range and header', async () => {
    const buf = await log();
    const seen = [...batchesIn(buf)].map((s) => [s.start, s.end, s.header.baseOffset, s.header.recordCount]);
    expect(seen).toEqual([
      [0, 75, 0, 1],
      [75, 151, 1, 2],
      [151, 226, 3, 1],
    ]);
    expect(scanBatches(buf)).toMatchObject({ validEnd: 226, stop: 'end' });
  });

  it('starts from a given offset', async () => {
    const buf = await log();
    expect([...batchesIn(buf, { from: 75 })].map((s) => s.start)).toEqual([75, 151]);
  });

  it('stops at a torn tail, whether the header or the body is cut', async () => {
    const buf = await log();
    for (const cut of [226 - 1, 151 + 30, 151 + 5]) {
      const scan = scanBatches(buf.subarray(0, cut));
      expect(scan.batches.map((s) => s.start)).toEqual([0, 75]);
      expect(scan).toMatchObject({ validEnd: 151, stop: 'truncated' });
    }
  });

  it('stops at bytes that are not a batch', async () => {
    const buf = Buffer.concat([await log(), Buffer.alloc(100)]); // zeros: batchLength 0
    expect(scanBatches(buf)).toMatchObject({ validEnd: 226, stop: 'corrupt' });
  });

  it('with verifyCrc, stops at the first batch whose CRC fails', async () => {
    const buf = await log();
    buf[151 + 70] ^= 1; // inside the third batch's records
    expect(scanBatches(buf)).toMatchObject({ validEnd: 226, stop: 'end' });
    const checked = scanBatches(buf, { verifyCrc: true });
    expect(checked.batches).toHaveLength(2);
    expect(checked).toMatchObject({ validEnd: 151, stop: 'corrupt' });
  });

  it('yields nothing for an empty buffer', () => {
    expect(scanBatches(Buffer.alloc(0))).toEqual({ validEnd: 0, stop: 'end', batches: [] });
  });
});
