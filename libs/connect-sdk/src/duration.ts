import { z } from 'zod';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)$/;

export const DURATION_HINT =
  'a duration: milliseconds as a number, or a string like "250ms", "2s", "1.5m", "1h"';

/**
 * Parses a duration into whole milliseconds. Numbers (and digit-only strings, which env interpolation yields)
 * are milliseconds; strings carry a unit. Returns null when the value is not a non-negative duration.
 */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const m = DURATION.exec(text);
  if (!m) return null;
  return Math.round(Number(m[1]) * (UNIT_MS[m[2] as string] as number));
}

/**
 * A zod field accepting a duration in either form; its output is milliseconds. The default is applied before
 * parsing, so it reads as written (e.g. "2s") in the generated docs.
 */
export function durationField(defaultValue: number | string) {
  return z
    .union([z.number(), z.string()])
    .default(defaultValue)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === null) {
        ctx.addIssue({
          code: 'custom',
          message: `"${String(v)}" is not ${DURATION_HINT}`,
        });
        return z.NEVER;
      }
      return ms;
    });
}
