/**
 * One uncompressed RecordBatch v2 written out by hand, field by field: one record with key "k", value "v1" and
 * header h="x", timestamp 1700000000000, non-idempotent producer. The CRC was cross-checked with kafkajs's
 * table-driven CRC32C.
 */
export const SMALL_BATCH_HEX = [
  '0000000000000000', // baseOffset 0
  '0000003f', // batchLength 63 = 75 - 12
  'ffffffff', // partitionLeaderEpoch -1
  '02', // magic
  '9f24bf72', // crc32c of bytes 21..74
  '0000', // attributes: no compression, CreateTime
  '00000000', // lastOffsetDelta 0
  '0000018bcfe56800', // baseTimestamp 1700000000000
  '0000018bcfe56800', // maxTimestamp
  'ffffffffffffffff', // producerId -1
  'ffff', // producerEpoch -1
  'ffffffff', // baseSequence -1
  '00000001', // recordCount 1
  '1a', // record length 13 (zig-zag varint)
  '00', // record attributes
  '00', // timestampDelta 0
  '00', // offsetDelta 0
  '026b', // key length 1, "k"
  '047631', // value length 2, "v1"
  '02', // 1 header
  '0268', // header key length 1, "h"
  '0278', // header value length 1, "x"
].join('');

export const SMALL_BATCH_TIMESTAMP = 1700000000000;

export function smallBatch(): Buffer {
  return Buffer.from(SMALL_BATCH_HEX, 'hex');
}
