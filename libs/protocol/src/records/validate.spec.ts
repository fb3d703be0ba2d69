import { ErrorCode } from '../errors';
import { ATTR_CONTROL, Compression, writeBatchCrc } from './batch-header';
import { encodeRecordBatch } from './record-batch';
import { smallBatch } from './small-batch.test-helper';
import { ProduceRejection, validateProducedRecords, validateRecordContents } from './validate';

const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch(opts: object): Promise<{ buffer: Buffer }>;
};
const KafkaJsRecordEncoder = require('kafkajs/src/protocol/recordBatch/record/v0') as (
  opts: object,
) => object;

const MB = 1024 * 1024;
const LIMITS = { maxMessageBytes: MB };

function rejected(result: unknown): ProduceRejection {
  const r = result as ProduceRejection;
  expect(r.ok).toBe(false);
  return r;
}

/** The fixture with a field changed and the CRC refreshed, so only that field is wrong. */
function patched(edit: (buf: Buffer) => void, buf = smallBatch()): Buffer {
  edit(buf);
  writeBatchCrc(buf, 0, buf.length);
  return buf;
}

describe('validateProducedRecords', () => {
  it('accepts a well-formed batch and returns its header', () => {
    const result = validateProducedRecords(smallBatch(), LIMITS);
    expect(result).toMatchObject({ ok: true, header: { recordCount: 1, lastOffsetDelta: 0, magic: 2 } });
  });

  it('accepts a batch produced by kafkajs (pid -1, epoch 0, sequence 0)', async () => {
    const { buffer } = await RecordBatch({
      lastOffsetDelta: 1,
      records: [
        KafkaJsRecordEncoder({ offsetDelta: 0, key: 'a', value: 'b' }),
        KafkaJsRecordEncoder({ offsetDelta: 1, key: 'c', value: 'd' }),
      ],
    });
    expect(validateProducedRecords(buffer, LIMITS)).toMatchObject({
      ok: true,
      header: { producerId: -1, recordCount: 2 },
    });
  });

  it('works on a view into a larger request buffer without changing it', () => {
    const request = Buffer.concat([Buffer.from('prefix'), smallBatch(), Buffer.from('suffix')]);
    const before = Buffer.from(request);
    const view = request.subarray(6, 6 + 75);
    expect(validateProducedRecords(view, LIMITS).ok).toBe(true);
    expect(request.equals(before)).toBe(true);
  });

  it('rejects bytes shorter than a batch header as CORRUPT_MESSAGE', () => {
    const r = rejected(validateProducedRecords(Buffer.alloc(10), LIMITS));
    expect(r.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(r.message).toMatch(/shorter than the 61-byte/);
  });

  it('rejects legacy message sets (magic 0 and 1) as CORRUPT_MESSAGE', () => {
    const v1 = rejected(
      validateProducedRecords(
        patched((buf) => (buf[16] = 1)),
        LIMITS,
      ),
    );
    expect(v1.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(v1.message).toMatch(/message format v1.*requires RecordBatch v2/);
    // A tiny v0 message: offset, size, crc, magic 0, attributes, null key, value "x".
    const v0 = Buffer.from(
      '0000000000000000' + '0000000f' + '00000000' + '00' + '00' + 'ffffffff' + '0000000178',
      'hex',
    );
    expect(rejected(validateProducedRecords(v0, LIMITS)).message).toMatch(/message format v0/);
  });

  it('rejects an unknown magic', () => {
    expect(
      rejected(
        validateProducedRecords(
          patched((buf) => (buf[16] = 3)),
          LIMITS,
        ),
      ).message,
    ).toMatch(/unknown magic 3/);
  });

  it('rejects two batches in one partition as CORRUPT_MESSAGE', () => {
    const r = rejected(validateProducedRecords(Buffer.concat([smallBatch(), smallBatch()]), LIMITS));
    expect(r.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(r.message).toMatch(/exactly one record batch per partition/);
  });

  it('rejects a truncated batch as CORRUPT_MESSAGE', () => {
    const r = rejected(validateProducedRecords(smallBatch().subarray(0, 70), LIMITS));
    expect(r.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(r.message).toMatch(/batchLength 63 but only 58 bytes follow/);
  });

  it('rejects a batch over max.message.bytes as MESSAGE_TOO_LARGE', () => {
    const r = rejected(validateProducedRecords(smallBatch(), { maxMessageBytes: 74 }));
    expect(r.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(r.message).toMatch(/75 bytes, over the topic's max.message.bytes of 74/);
    expect(validateProducedRecords(smallBatch(), { maxMessageBytes: 75 }).ok).toBe(true);
  });

  it('rejects a CRC mismatch as CORRUPT_MESSAGE', () => {
    const buf = smallBatch();
    buf[buf.length - 1] ^= 1;
    const r = rejected(validateProducedRecords(buf, LIMITS));
    expect(r.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(r.message).toMatch(/CRC32C is 9f24bf72 but its contents hash to/);
  });

  it('rejects a control batch from a client as INVALID_RECORD', () => {
    const r = rejected(
      validateProducedRecords(
        patched((buf) => buf.writeInt16BE(ATTR_CONTROL, 21)),
        LIMITS,
      ),
    );
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.message).toMatch(/control batches/);
  });

  it('rejects codecs above 4 as UNSUPPORTED_COMPRESSION_TYPE', () => {
    const r = rejected(
      validateProducedRecords(
        patched((buf) => buf.writeInt16BE(5, 21)),
        LIMITS,
      ),
    );
    expect(r.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });

  it('rejects zstd below Produce v7 when the version is given', async () => {
    const zstd = await encodeRecordBatch({
      compression: Compression.Zstd,
      records: [{ key: null, value: Buffer.from('v') }],
    });
    const r = rejected(validateProducedRecords(zstd, { ...LIMITS, apiVersion: 6 }));
    expect(r.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(r.message).toMatch(/zstd batches need Produce v7/);
    expect(validateProducedRecords(zstd, { ...LIMITS, apiVersion: 7 }).ok).toBe(true);
    expect(validateProducedRecords(zstd, LIMITS).ok).toBe(true);
  });

  it('rejects a zero record count and a lastOffsetDelta that is not count - 1 as INVALID_RECORD', () => {
    const empty = rejected(
      validateProducedRecords(
        patched((buf) => buf.writeInt32BE(0, 57)),
        LIMITS,
      ),
    );
    expect(empty.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(empty.message).toMatch(/declares 0 records/);
    const delta = rejected(
      validateProducedRecords(
        patched((buf) => buf.writeInt32BE(4, 23)),
        LIMITS,
      ),
    );
    expect(delta.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(delta.message).toMatch(/lastOffsetDelta 4 but 1 records/);
  });
});

describe('validateRecordContents', () => {
  it('returns the parsed records of a good batch', async () => {
    const result = await validateRecordContents(smallBatch(), MB);
    expect(result).toMatchObject({
      ok: true,
      records: [{ key: Buffer.from('k'), value: Buffer.from('v1') }],
    });
  });

  it('rejects a compression bomb as INVALID_RECORD without inflating it all', async () => {
    for (const compression of [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
      const bomb = await encodeRecordBatch({
        compression,
        records: [{ key: null, value: Buffer.alloc(20 * MB) }],
      });
      expect(validateProducedRecords(bomb, LIMITS).ok).toBe(true); // small on the wire
      const r = rejected(await validateRecordContents(bomb, MB));
      expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
      expect(r.message).toMatch(/would decompress to .* more than the 1048576-byte limit/);
    }
  });

  it('rejects corrupt compressed data as CORRUPT_MESSAGE', async () => {
    const batch = await encodeRecordBatch({
      compression: Compression.Gzip,
      records: [{ key: null, value: Buffer.from('v') }],
    });
    batch[batch.length - 6] ^= 0xff; // inside gzip's own CRC-32 trailer
    writeBatchCrc(batch, 0, batch.length);
    const r = rejected(await validateRecordContents(batch, MB));
    expect(r.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(r.message).toMatch(/gzip data is corrupt/);
  });

  it('requires keys for compacted topics', async () => {
    const batch = await encodeRecordBatch({
      records: [
        { key: Buffer.from('k'), value: null },
        { key: null, value: Buffer.from('v') },
      ],
    });
    expect((await validateRecordContents(batch, MB)).ok).toBe(true);
    const r = rejected(await validateRecordContents(batch, MB, { requireKeys: true }));
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.message).toMatch(/record 1 has no key; compacted topics/);
  });

  it('requires offset deltas 0..n-1 from producers', async () => {
    const batch = await encodeRecordBatch({
      records: [
        { key: null, value: null },
        { key: null, value: null },
      ],
    });
    // Each record here is 7 bytes: length 6, attributes, timestampDelta, offsetDelta, key, value, header count.
    expect(batch[68]).toBe(0x0c);
    batch[68 + 3] = 0x04; // second record's offsetDelta 1 -> 2
    batch.writeInt32BE(2, 23); // lastOffsetDelta 2, as compaction would leave it
    writeBatchCrc(batch, 0, batch.length);
    const r = rejected(await validateRecordContents(batch, MB));
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.message).toMatch(/record 1 has offsetDelta 2; produced records must use 0..1/);
  });
});
