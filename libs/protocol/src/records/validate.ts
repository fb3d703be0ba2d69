import { ErrorCode } from '../errors';
import {
  ATTRIBUTES,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  BatchHeader,
  Compression,
  CRC,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  MAGIC,
  compressionOf,
  computeBatchCrc,
  isControl,
  readBatchHeader,
} from './batch-header';
import { KafkaRecord, decodeRecords } from './record-batch';
import { RecordDecodeError } from './record-decode-error';

export interface ValidatedBatch {
  ok: true;
  header: BatchHeader;
}

export interface ProduceRejection {
  ok: false;
  errorCode: ErrorCode;
  message: string;
}

export interface ProduceLimits {
  /** The topic's max.message.bytes: largest batch accepted, header included. */
  maxMessageBytes: number;
  /** Produce request version; zstd needs v7+. Omit to skip that check. */
  apiVersion?: number;
}

function reject(errorCode: ErrorCode, message: string): ProduceRejection {
  return { ok: false, errorCode, message };
}

/**
 * The checks Produce v3+ needs before appending a partition's records: one v2 batch filling the buffer, sane
 * size, matching CRC, no control batch, known codec, consistent record count. Reads the header in place: no
 * copy, no decompression, no per-record parsing.
 */
export function validateProducedRecords(
  records: Buffer,
  limits: ProduceLimits,
): ValidatedBatch | ProduceRejection {
  const len = records.length;
  if (len < BATCH_HEADER_SIZE) {
    if (len > MAGIC && records[MAGIC]! < CURRENT_MAGIC) return oldMagic(records[MAGIC]!);
    return reject(
      ErrorCode.CORRUPT_MESSAGE,
      `partition records are ${len} bytes, shorter than the ${BATCH_HEADER_SIZE}-byte RecordBatch v2 header`,
    );
  }
  const magic = records.readInt8(MAGIC);
  if (magic !== CURRENT_MAGIC) {
    if (magic < CURRENT_MAGIC && magic >= 0) return oldMagic(magic);
    return reject(ErrorCode.CORRUPT_MESSAGE, `record batch has unknown magic ${magic}; only magic 2 exists`);
  }
  const batchLength = records.readInt32BE(BATCH_LENGTH);
  if (batchLength !== len - LOG_OVERHEAD) {
    return reject(
      ErrorCode.CORRUPT_MESSAGE,
      batchLength < len - LOG_OVERHEAD
        ? `Produce v3+ must carry exactly one record batch per partition, but the first batch is ${batchLength + LOG_OVERHEAD} of ${len} bytes`
        : `record batch declares batchLength ${batchLength} but only ${len - LOG_OVERHEAD} bytes follow; the batch is truncated`,
    );
  }
  if (len > limits.maxMessageBytes) {
    return reject(
      ErrorCode.MESSAGE_TOO_LARGE,
      `record batch is ${len} bytes, over the topic's max.message.bytes of ${limits.maxMessageBytes}; ` +
        'lower the producer batch.size / max.request.size or raise max.message.bytes',
    );
  }
  const crc = records.readUInt32BE(CRC);
  const actual = computeBatchCrc(records, 0, len);
  if (crc !== actual) {
    return reject(
      ErrorCode.CORRUPT_MESSAGE,
      `record batch CRC32C is ${crc.toString(16)} but its contents hash to ${actual.toString(16)}; the batch was corrupted in transit`,
    );
  }
  const attributes = records.readInt16BE(ATTRIBUTES);
  if (isControl(attributes)) {
    return reject(
      ErrorCode.INVALID_RECORD,
      'clients may not produce control batches; only the transaction coordinator writes them',
    );
  }
  const codec = compressionOf(attributes);
  if (codec > Compression.Zstd) {
    return reject(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      `record batch uses compression codec ${codec}; supported are none, gzip, snappy, lz4 and zstd`,
    );
  }
  if (codec === Compression.Zstd && limits.apiVersion !== undefined && limits.apiVersion < 7) {
    return reject(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      `zstd batches need Produce v7 or later, this request is v${limits.apiVersion}; upgrade the client or use another codec`,
    );
  }
  const header = readBatchHeader(records, 0);
  if (header.recordCount < 1) {
    return reject(
      ErrorCode.INVALID_RECORD,
      `record batch declares ${header.recordCount} records; a produced batch needs at least one`,
    );
  }
  if (header.lastOffsetDelta !== header.recordCount - 1) {
    return reject(
      ErrorCode.INVALID_RECORD,
      `record batch has lastOffsetDelta ${header.lastOffsetDelta} but ${header.recordCount} records; it must be recordCount - 1`,
    );
  }
  return { ok: true, header };
}

function oldMagic(magic: number): ProduceRejection {
  return reject(
    ErrorCode.CORRUPT_MESSAGE,
    `records use message format v${magic} (magic ${magic}); Produce v3+ requires RecordBatch v2 (magic 2). ` +
      'Configure the client for a broker version of 0.11 or later',
  );
}

export interface ValidatedRecords {
  ok: true;
  header: BatchHeader;
  records: KafkaRecord[];
}

export interface RecordContentOptions {
  /** Compacted topics: every record needs a key. */
  requireKeys?: boolean;
}

/**
 * The deeper check, for when records must be looked at: decompresses (bounded by maxUncompressedBytes, so a
 * compression bomb is refused), parses every record, and requires offset deltas 0..n-1 as producers write them.
 * Run validateProducedRecords first.
 */
export async function validateRecordContents(
  batch: Buffer,
  maxUncompressedBytes: number,
  opts: RecordContentOptions = {},
): Promise<ValidatedRecords | ProduceRejection> {
  let decoded;
  try {
    decoded = await decodeRecords(batch, { maxUncompressedBytes });
  } catch (e) {
    if (e instanceof RecordDecodeError) return reject(e.errorCode, e.message);
    throw e;
  }
  const { header, records } = decoded;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.offsetDelta !== i) {
      return reject(
        ErrorCode.INVALID_RECORD,
        `record ${i} has offsetDelta ${r.offsetDelta}; produced records must use 0..${records.length - 1}`,
      );
    }
    if (opts.requireKeys && r.key === null) {
      return reject(
        ErrorCode.INVALID_RECORD,
        `record ${i} has no key; compacted topics only accept keyed records`,
      );
    }
  }
  return { ok: true, header, records };
}
