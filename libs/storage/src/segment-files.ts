// Segment file naming: `<20-digit zero-padded base offset>.<ext>`, as Kafka does, so names sort by offset.
export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** Suffix of a compacted copy that has not replaced its segment yet; leftovers are deleted on open. */
export const CLEANED_SUFFIX = '.cleaned';
export const TMP_SUFFIX = '.tmp';

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

/** Base offset of a `.log` file name, or null for any other file. */
export function parseLogFileName(name: string): number | null {
  const match = /^(\d{20})\.log$/.exec(name);
  return match === null ? null : Number(match[1]);
}
