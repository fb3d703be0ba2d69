import { crc32c } from './crc32c';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  ATTRIBUTES,
  BATCH_HEADER_SIZE,
  CRC,
  Compression,
  TimestampType,
  applyLogAppendTime,
  batchSizeOf,
  compressionOf,
  computeBatchCrc,
  isControl,
  isTransactional,
  lastOffsetOf,
  readBatchHeader,
  setBaseOffset,
  setPartitionLeaderEpoch,
  timestampType,
  verifyBatchCrc,
} from './batch-header';
import { ProtocolDecodeError } from '../primitives/decode-error';
import { SMALL_BATCH_TIMESTAMP, smallBatch } from './small-batch.test-helper';

describe('batch header', () => {
  it('reads every field of the hand-written fixture', () => {
    const buf = smallBatch();
    expect(buf.length).toBe(75);
    expect(readBatchHeader(buf)).toEqual({
      baseOffset: 0,
      batchLength: 63,
      partitionLeaderEpoch: -1,
      magic: 2,
      crc: 0x9f24bf72,
      attributes: 0,
      lastOffsetDelta: 0,
      baseTimestamp: SMALL_BATCH_TIMESTAMP,
      maxTimestamp: SMALL_BATCH_TIMESTAMP,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount: 1,
    });
    expect(batchSizeOf(readBatchHeader(buf))).toBe(75);
  });

  it('has a CRC equal to crc32c over attributes..end', () => {
    const buf = smallBatch();
    expect(crc32c(buf.subarray(ATTRIBUTES))).toBe(buf.readUInt32BE(CRC));
    expect(computeBatchCrc(buf, 0, buf.length)).toBe(0x9f24bf72);
    expect(verifyBatchCrc(buf, 0, buf.length)).toBe(true);
  });

  it('patches baseOffset and partitionLeaderEpoch in place without touching the CRC', () => {
    const buf = Buffer.concat([Buffer.alloc(5, 0xaa), smallBatch()]);
    setBaseOffset(buf, 5, 2 ** 40 + 17);
    setPartitionLeaderEpoch(buf, 5, 9);
    const h = readBatchHeader(buf, 5);
    expect(h.baseOffset).toBe(2 ** 40 + 17);
    expect(h.partitionLeaderEpoch).toBe(9);
    expect(lastOffsetOf(h)).toBe(2 ** 40 + 17);
    expect(verifyBatchCrc(buf, 5, buf.length)).toBe(true);
    expect(buf.subarray(0, 5).equals(Buffer.alloc(5, 0xaa))).toBe(true);
  });

  it('applies LogAppendTime: attribute bit, maxTimestamp and a fresh CRC', () => {
    const buf = smallBatch();
    applyLogAppendTime(buf, 0, buf.length, 1800000000000);
    const h = readBatchHeader(buf);
    expect(timestampType(h.attributes)).toBe(TimestampType.LogAppendTime);
    expect(h.maxTimestamp).toBe(1800000000000);
    expect(verifyBatchCrc(buf, 0, buf.length)).toBe(true);
  });

  it('decodes attribute bits', () => {
    expect(compressionOf(0x13)).toBe(Compression.Lz4);
    expect(compressionOf(0x07)).toBe(7);
    expect(isTransactional(ATTR_TRANSACTIONAL)).toBe(true);
    expect(isTransactional(ATTR_CONTROL)).toBe(false);
    expect(isControl(ATTR_CONTROL | ATTR_TRANSACTIONAL)).toBe(true);
    expect(timestampType(0)).toBe(TimestampType.CreateTime);
  });

  it('refuses to read a header that is cut off', () => {
    expect(() => readBatchHeader(smallBatch().subarray(0, BATCH_HEADER_SIZE - 1))).toThrow(
      ProtocolDecodeError,
    );
    expect(() => readBatchHeader(smallBatch(), 20)).toThrow(/needs 61 bytes/);
  });
});
