/** A read asked for an offset outside [logStartOffset, logEndOffset]; maps to Kafka OFFSET_OUT_OF_RANGE. */
export class OffsetOutOfRangeError extends Error {
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(
      `offset ${offset} is out of range: the log holds offsets ${logStartOffset} (start) to ${logEndOffset} ` +
        '(end, exclusive); reset the position to the start or the end offset',
    );
    this.name = 'OffsetOutOfRangeError';
  }
}

/** Bytes handed to the log are not a well-formed RecordBatch v2 (the caller should have validated them). */
export class InvalidBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBatchError';
  }
}

/** The log refused a write because an earlier fsync failed; its on-disk state is unknown until reopened. */
export class LogOfflineError extends Error {
  constructor(dir: string, cause: unknown) {
    super(
      `partition log ${dir} is offline after a failed fsync (${String(cause)}); ` +
        'fix the disk problem and restart the broker so the log is recovered from its files',
    );
    this.name = 'LogOfflineError';
  }
}
