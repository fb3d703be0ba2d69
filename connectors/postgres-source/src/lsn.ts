/**
 * LSNs as plain numbers (2^53 bytes of WAL is far away), so offsets and `source.lsn` compare with `<`.
 * Postgres writes them as "X/Y": two 32-bit hex halves.
 */
const HALF = 0x1_0000_0000;

export function parseLsn(text: string | null | undefined): number {
  if (!text) return 0;
  const [hi, lo] = text.split('/');
  return parseInt(hi ?? '0', 16) * HALF + parseInt(lo ?? '0', 16);
}

export function formatLsn(lsn: number): string {
  const n = Math.max(0, lsn);
  const hi = Math.floor(n / HALF);
  const lo = n - hi * HALF;
  return `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`;
}
