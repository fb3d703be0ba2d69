import { encodeMagicV1MessageSet, encodeRecordBatch, corruptBatchCrc, type TestRecord } from './record-batch';

// Cross-check the test encoder against kafkajs's independent decoder and CRC32C implementation.
const KjsDecoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<{
  firstOffset: string;
  lastOffsetDelta: number;
  records: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer>; offset: string }[];
}>;
const kjsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer) => number;

const records: TestRecord[] = [
  { key: 'k1', value: 'v1', headers: { h: 'x', codec: 'none' } },
  { key: null, value: 'v2 ünïcode' },
  { key: 'k3', value: null, headers: {} },
];

describe('test RecordBatch encoder', () => {
  it.each([0, 1] as const)(
    'encodes a batch (compression %d) that kafkajs decodes identically',
    async (compression) => {
      const batch = encodeRecordBatch({ records, baseOffset: 7, compression });
      expect(batch.readInt32BE(8)).toBe(batch.length - 12);
      expect(batch.readUInt32BE(17)).toBe(kjsCrc32C(batch.subarray(21)) >>> 0);
      const decoded = await decodeBatch(new KjsDecoder(batch));
      expect(batch[16]).toBe(2);
      expect(decoded.lastOffsetDelta).toBe(2);
      expect(
        decoded.records.map((r) => ({
          offset: r.offset,
          key: r.key?.toString() ?? null,
          value: r.value?.toString() ?? null,
          headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString()])),
        })),
      ).toEqual([
        { offset: '7', key: 'k1', value: 'v1', headers: { h: 'x', codec: 'none' } },
        { offset: '8', key: null, value: 'v2 ünïcode', headers: {} },
        { offset: '9', key: 'k3', value: null, headers: {} },
      ]);
    },
  );

  it('corruptBatchCrc leaves the stored CRC stale', () => {
    const bad = corruptBatchCrc(encodeRecordBatch({ records }));
    expect(bad.readUInt32BE(17)).not.toBe(kjsCrc32C(bad.subarray(21)) >>> 0);
  });

  it('encodes a magic-1 message set entry', () => {
    const set = encodeMagicV1MessageSet('k', 'v', 1000);
    expect(set.readInt32BE(8)).toBe(set.length - 12);
    expect(set[16]).toBe(1);
  });
});
