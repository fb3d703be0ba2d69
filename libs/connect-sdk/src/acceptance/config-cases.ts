import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { knownKeysAt, validateConfig } from '../validate-config';
import type { BadConfig } from './fixtures';

/** Messages of every problem `validateConfig` reports for `raw`, or null if it is valid. */
function problems(schema: z.ZodType, raw: unknown): string[] | null {
  const r = validateConfig(schema, raw);
  return r.ok ? null : r.problems.map((p) => p.message);
}

/** Registers the config cases shared by sources and sinks. */
export function describeConfigCases(
  schema: z.ZodType,
  example: Record<string, unknown>,
  config: (dir: string) => Record<string, unknown>,
  badConfigs: readonly BadConfig[],
): void {
  it('accepts its documented example and the fixture config', () => {
    expect(problems(schema, example)).toBeNull();
    expect(problems(schema, config(join(tmpdir(), 'acceptance-config')))).toBeNull();
  });

  it.each(badConfigs.map((b, i) => [i, b] as const))('rejects bad config #%i', (_i, bad) => {
    const messages = problems(schema, bad.config);
    expect(messages).not.toBeNull();
    expect(messages?.join('\n')).toMatch(bad.expect);
  });

  it('rejects an unknown key with a "did you mean" hint', () => {
    const valid = config(join(tmpdir(), 'acceptance-config'));
    const known = knownKeysAt(schema, []);
    const key = Object.keys(valid).sort((a, b) => b.length - a.length)[0];
    expect(known).toContain(key);
    // One letter changed: close enough to be suggested, unknown to the schema.
    const typo = key.slice(0, -1) + (key.endsWith('q') ? 'z' : 'q');
    const { [key]: value, ...rest } = valid;
    const messages = problems(schema, { ...rest, [typo]: value });
    expect(messages?.join('\n')).toMatch(
      new RegExp(`unknown key "${escape(typo)}"; did you mean "${escape(key)}"`),
    );
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
