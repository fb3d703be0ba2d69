import fc from 'fast-check';
import { ErrorCode } from '../errors';
import { Compression, readBatchHeader, verifyBatchCrc, writeBatchCrc } from './batch-header';
import { compress, decompress } from './codecs';
import {
  KafkaRecord,
  RecordBatchInput,
  RecordInput,
  decodeRecords,
  decodeRecordsSync,
  encodeRecordBatch,
  encodeRecordBatchSync,
} from './record-batch';
import { RecordDecodeError } from './record-decode-error';
import { SMALL_BATCH_TIMESTAMP, smallBatch } from './small-batch.test-helper';

/* kafkajs internals, used as the reference implementation of the format. */
interface KafkaJsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: { [key: string]: Buffer | Buffer[] };
}
interface KafkaJsBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  inTransaction: boolean;
  records: KafkaJsRecord[];
}
interface KafkaJsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch(opts: object): Promise<{ buffer: Buffer }>;
};
const KafkaJsRecordEncoder = require('kafkajs/src/protocol/recordBatch/record/v0') as (
  opts: object,
) => object;
const kafkaJsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  d: object,
) => Promise<KafkaJsBatch>;
const KafkaJsDecoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => object;
const kafkaJsCompression = require('kafkajs/src/protocol/message/compression') as {
  Codecs: { [codec: number]: () => KafkaJsCodec };
};
const KafkaJsLong = require('kafkajs/src/utils/long') as { fromValue(v: number): object };

const MB = 1024 * 1024;
const LIMIT = { maxUncompressedBytes: 16 * MB };
const ALL = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

// kafkajs ships gzip only; clients plug other codecs in the same way kafkajs-snappy & co. do. Ours go in, so
// kafkajs's batch encoder/decoder frame our codecs' output.
const savedCodecs = { ...kafkaJsCompression.Codecs };
beforeAll(() => {
  for (const codec of [Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
    kafkaJsCompression.Codecs[codec] = () => ({
      compress: (encoder) => compress(codec, encoder.buffer),
      decompress: (buffer) => decompress(codec, buffer, 16 * MB),
    });
  }
});
afterAll(() => Object.assign(kafkaJsCompression.Codecs, savedCodecs));

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Records covering the corners: null key/value, empty bytes, repeated and unicode headers, negative deltas. */
const SAMPLE: RecordInput[] = [
  { key: b('k1'), value: b('v1'), headers: [{ key: 'h', value: b('x') }], timestamp: 1_700_000_000_000 },
  { key: null, value: b('no key'), timestamp: 1_700_000_000_500 },
  { key: b('k3'), value: null, timestamp: 1_699_999_999_000 },
  {
    key: Buffer.alloc(0),
    value: Buffer.alloc(300, 7),
    headers: [
      { key: 'dup', value: b('1') },
      { key: 'dup', value: b('2') },
      { key: 'ünï', value: b('☃') },
    ],
    timestamp: 1_700_000_001_000,
  },
];

describe('decodeRecords', () => {
  it('decodes the hand-written fixture exactly', async () => {
    const { header, records } = await decodeRecords(smallBatch(), { ...LIMIT, verifyCrc: true });
    expect(header.recordCount).toBe(1);
    expect(records).toEqual<KafkaRecord[]>([
      {
        attributes: 0,
        timestampDelta: 0,
        offsetDelta: 0,
        key: b('k'),
        value: b('v1'),
        headers: [{ key: 'h', value: b('x') }],
      },
    ]);
    expect(decodeRecordsSync(smallBatch(), LIMIT).records).toEqual(records);
  });

  it('reads batches written by kafkajs, under every codec', async () => {
    for (const compression of ALL) {
      const kafkajsRecords = [
        KafkaJsRecordEncoder({
          offsetDelta: 0,
          timestampDelta: 0,
          key: b('k1'),
          value: b('v1'),
          headers: { h: b('x') },
        }),
        KafkaJsRecordEncoder({ offsetDelta: 1, timestampDelta: -1000, key: null, value: b('v2') }),
        KafkaJsRecordEncoder({
          offsetDelta: 2,
          timestampDelta: 5,
          key: b('k3'),
          value: null,
          headers: { a: [b('1'), b('2')] },
        }),
      ];
      const encoder = await RecordBatch({
        compression,
        firstOffset: KafkaJsLong.fromValue(42),
        firstTimestamp: 1_700_000_000_000,
        maxTimestamp: 1_700_000_000_005,
        partitionLeaderEpoch: 3,
        lastOffsetDelta: 2,
        producerId: KafkaJsLong.fromValue(77),
        producerEpoch: 1,
        firstSequence: 10,
        transactional: true,
        records: kafkajsRecords,
      });
      const { header, records } = await decodeRecords(encoder.buffer, { ...LIMIT, verifyCrc: true });
      expect(header).toMatchObject({
        baseOffset: 42,
        partitionLeaderEpoch: 3,
        magic: 2,
        attributes: compression | 0x10,
        lastOffsetDelta: 2,
        baseTimestamp: 1_700_000_000_000,
        maxTimestamp: 1_700_000_000_005,
        producerId: 77,
        producerEpoch: 1,
        baseSequence: 10,
        recordCount: 3,
      });
      expect(records).toEqual<KafkaRecord[]>([
        {
          attributes: 0,
          timestampDelta: 0,
          offsetDelta: 0,
          key: b('k1'),
          value: b('v1'),
          headers: [{ key: 'h', value: b('x') }],
        },
        { attributes: 0, timestampDelta: -1000, offsetDelta: 1, key: null, value: b('v2'), headers: [] },
        {
          attributes: 0,
          timestampDelta: 5,
          offsetDelta: 2,
          key: b('k3'),
          value: null,
          headers: [
            { key: 'a', value: b('1') },
            { key: 'a', value: b('2') },
          ],
        },
      ]);
    }
  });
});

describe('encodeRecordBatch', () => {
  it('reproduces the hand-written fixture byte for byte', async () => {
    const input: RecordBatchInput = {
      records: [
        {
          key: b('k'),
          value: b('v1'),
          headers: [{ key: 'h', value: b('x') }],
          timestamp: SMALL_BATCH_TIMESTAMP,
        },
      ],
    };
    expect((await encodeRecordBatch(input)).toString('hex')).toBe(smallBatch().toString('hex'));
    expect(encodeRecordBatchSync(input).equals(smallBatch())).toBe(true);
  });

  it('writes batches kafkajs decodes, under every codec', async () => {
    for (const compression of ALL) {
      const batch = await encodeRecordBatch({
        baseOffset: 1000,
        producerId: 5,
        producerEpoch: 2,
        baseSequence: 40,
        compression,
        records: SAMPLE,
      });
      const decoded = await kafkaJsDecodeBatch(new KafkaJsDecoder(batch));
      expect(decoded).toMatchObject({
        firstOffset: '1000',
        firstTimestamp: '1700000000000',
        maxTimestamp: '1700000001000',
        lastOffsetDelta: 3,
        producerId: '5',
        producerEpoch: 2,
        firstSequence: 40,
        inTransaction: false,
      });
      expect(decoded.records.map((r) => [r.offset, r.timestamp, r.key, r.value, r.headers])).toEqual([
        ['1000', '1700000000000', b('k1'), b('v1'), { h: b('x') }],
        ['1001', '1700000000500', null, b('no key'), {}],
        ['1002', '1699999999000', b('k3'), null, {}],
        [
          '1003',
          '1700000001000',
          Buffer.alloc(0),
          Buffer.alloc(300, 7),
          { dup: [b('1'), b('2')], ünï: b('☃') },
        ],
      ]);
    }
  });

  it('computes lastOffsetDelta, maxTimestamp, attributes and a valid CRC', async () => {
    const batch = await encodeRecordBatch({
      transactional: true,
      compression: Compression.Lz4,
      records: SAMPLE,
    });
    const h = readBatchHeader(batch);
    expect(h.lastOffsetDelta).toBe(3);
    expect(h.recordCount).toBe(4);
    expect(h.maxTimestamp).toBe(1_700_000_001_000);
    expect(h.baseTimestamp).toBe(1_700_000_000_000);
    expect(h.attributes).toBe(Compression.Lz4 | 0x10);
    expect(h).toMatchObject({
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      partitionLeaderEpoch: -1,
    });
    expect(h.batchLength).toBe(batch.length - 12);
    expect(verifyBatchCrc(batch, 0, batch.length)).toBe(true);
  });

  it('refuses an empty record list', async () => {
    await expect(encodeRecordBatch({ records: [] })).rejects.toThrow(/at least one record/);
  });

  const bytes = fc.option(
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    { nil: null },
  );
  const recordArb: fc.Arbitrary<RecordInput> = fc.record({
    key: bytes,
    value: bytes,
    headers: fc.array(fc.record({ key: fc.string({ maxLength: 20 }), value: bytes }), { maxLength: 4 }),
    timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
  });

  it('round-trips random batches under every codec', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL),
        fc.array(recordArb, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        async (compression, records, baseOffset) => {
          const batch = await encodeRecordBatch({ compression, baseOffset, records });
          const { header, records: out } = await decodeRecords(batch, { ...LIMIT, verifyCrc: true });
          expect(header.baseOffset).toBe(baseOffset);
          expect(header.recordCount).toBe(records.length);
          const base = records[0]!.timestamp!;
          expect(header.maxTimestamp).toBe(Math.max(...records.map((r) => r.timestamp!)));
          expect(out).toEqual(
            records.map((r, i) => ({
              attributes: 0,
              timestampDelta: r.timestamp! - base,
              offsetDelta: i,
              key: r.key,
              value: r.value,
              headers: r.headers,
            })),
          );
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('decodeRecords rejects malformed batches', () => {
  async function decodeError(batch: Buffer): Promise<RecordDecodeError> {
    try {
      await decodeRecords(batch, LIMIT);
    } catch (e) {
      if (e instanceof RecordDecodeError) return e;
      throw e;
    }
    throw new Error('expected decodeRecords to fail');
  }

  /** The fixture with some bytes replaced, its CRC refreshed so only the structure is wrong. */
  function patched(edit: (buf: Buffer) => void): Buffer {
    const buf = smallBatch();
    edit(buf);
    writeBatchCrc(buf, 0, buf.length);
    return buf;
  }

  it('checks the CRC when asked', async () => {
    const buf = smallBatch();
    buf[buf.length - 1] = 0x79;
    await expect(decodeRecords(buf, { ...LIMIT, verifyCrc: true })).rejects.toThrow(/CRC32C does not match/);
  });

  it('a batch shorter than its batchLength', async () => {
    expect((await decodeError(smallBatch().subarray(0, 70))).message).toMatch(
      /batchLength 63 but 58 bytes follow/,
    );
  });

  it('a magic other than 2', async () => {
    expect((await decodeError(patched((buf) => (buf[16] = 1)))).message).toMatch(/magic 1/);
  });

  it('a record count the bytes cannot hold', async () => {
    const e = await decodeError(patched((buf) => buf.writeInt32BE(1_000_000, 57)));
    expect(e.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(e.message).toMatch(/1000000 records but its 14 record bytes/);
  });

  it('fewer records than declared leaves bytes over; more runs out', async () => {
    const twoRecords = await encodeRecordBatch({ records: [SAMPLE[0]!, SAMPLE[1]!] });
    const fewer = Buffer.from(twoRecords);
    fewer.writeInt32BE(1, 57);
    writeBatchCrc(fewer, 0, fewer.length);
    expect((await decodeError(fewer)).message).toMatch(/bytes left after its declared 1 records/);
    const more = Buffer.from(twoRecords);
    more.writeInt32BE(3, 57);
    expect((await decodeError(more)).message).toMatch(/record 2 is malformed|3 records but its/);
  });

  it('a record length that overruns the batch', async () => {
    expect((await decodeError(patched((buf) => (buf[61] = 0x7e)))).message).toMatch(
      /record 0 declares length 63/,
    );
  });

  it('a key length that overruns the record', async () => {
    expect((await decodeError(patched((buf) => (buf[65] = 0x7e)))).message).toMatch(/key claims 63 bytes/);
  });

  it('a header count the record cannot hold', async () => {
    expect((await decodeError(patched((buf) => (buf[70] = 0x7e)))).message).toMatch(/declares 63 headers/);
  });

  it('offset deltas that do not rise', async () => {
    const two = await encodeRecordBatch({ records: [SAMPLE[1]!, SAMPLE[1]!] });
    // Record 1 starts after record 0 (length byte + body); its offsetDelta is its 4th byte.
    const second = 61 + 1 + two[61]! / 2;
    two[second + 3] = 0; // offsetDelta 1 -> 0
    writeBatchCrc(two, 0, two.length);
    expect((await decodeError(two)).message).toMatch(/record 1 has offsetDelta 0, not above the previous 0/);
  });

  it('an offset delta past lastOffsetDelta', async () => {
    const e = await decodeError(patched((buf) => (buf[64] = 0x02)));
    expect(e.message).toMatch(/offsetDelta 1 is beyond the batch's lastOffsetDelta 0/);
  });

  it('compressed records over the limit', async () => {
    const batch = await encodeRecordBatch({
      compression: Compression.Gzip,
      records: [{ key: null, value: Buffer.alloc(MB) }],
    });
    await expect(decodeRecords(batch, { maxUncompressedBytes: 64 * 1024 })).rejects.toThrow(
      /more than the 65536-byte limit/,
    );
  });
});
