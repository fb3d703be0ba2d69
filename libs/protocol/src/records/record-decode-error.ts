import { ErrorCode } from '../errors';

/**
 * A record batch whose contents cannot be accepted: corrupt compressed data, malformed records, or records that
 * expand past the configured limit. Unlike ProtocolDecodeError it does not close the connection: the broker answers
 * the one partition with `errorCode`.
 */
export class RecordDecodeError extends Error {
  constructor(
    message: string,
    readonly errorCode: ErrorCode = ErrorCode.CORRUPT_MESSAGE,
  ) {
    super(message);
    this.name = 'RecordDecodeError';
  }
}

/** The records would decompress to more than the caller allows (compression-bomb guard). */
export function tooLarge(codec: string, size: number | string, maxBytes: number): RecordDecodeError {
  return new RecordDecodeError(
    `${codec} records would decompress to ${size} bytes, more than the ${maxBytes}-byte limit; ` +
      'send smaller batches (lower batch.size / linger) or raise the broker decompression limit',
    ErrorCode.INVALID_RECORD,
  );
}
