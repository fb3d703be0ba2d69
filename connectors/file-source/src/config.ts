import { z } from 'zod';
import { durationField } from '@tributary/connect-sdk';

/** True when `pattern` compiles as a JavaScript regular expression. */
function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

const multilineSchema = z.strictObject({
  start: z
    .string()
    .min(1)
    .refine(compiles, 'is not a valid regular expression')
    .describe(
      'Regular expression; a line matching it begins a new event, other lines are appended to the current one.',
    ),
  'max.lines': z
    .number()
    .int()
    .positive()
    .default(500)
    .describe('An event holding this many lines is emitted; further continuation lines start a new event.'),
  'flush.timeout': durationField('2s').describe(
    'A pending event is emitted after this long without a new line (milliseconds or e.g. "2s").',
  ),
});

export const fileSourceConfig = z
  .strictObject({
    paths: z
      .array(z.string().min(1))
      .min(1)
      .describe('Glob patterns of the files to read, e.g. ["/var/log/app/app.log*"]. Include rotated names.'),
    topic: z.string().min(1).describe('Topic the records are written to.'),
    format: z
      .enum(['line', 'json', 'regex'])
      .default('line')
      .describe(
        'line: the value is the line as a string; json: the parsed JSON line; regex: the named groups of `regex`.',
      ),
    regex: z
      .string()
      .refine(compiles, 'is not a valid regular expression')
      .optional()
      .describe('With format regex: a pattern with named groups, e.g. "^(?<level>\\\\w+) (?<msg>.*)$".'),
    multiline: multilineSchema
      .optional()
      .describe('Joins multi-line events (e.g. stack traces) with "\\n" before parsing.'),
    'read.from': z
      .enum(['beginning', 'end'])
      .default('beginning')
      .describe(
        'Where to start in files present at startup that have no stored offset. Files appearing later are read from the start.',
      ),
    'poll.interval': durationField('250ms').describe(
      'How often the globs are re-scanned and files checked for new lines (milliseconds or e.g. "500ms").',
    ),
    'batch.size': z.number().int().positive().default(2000).describe('Maximum records returned by one poll.'),
    'fingerprint.bytes': z
      .number()
      .int()
      .min(16)
      .default(1024)
      .describe(
        'How many leading bytes of a file identify it (its fingerprint); survives renames and copy-truncate.',
      ),
    'max.line.bytes': z
      .number()
      .int()
      .positive()
      .default(1024 * 1024)
      .describe(
        'A longer line is cut to this many bytes and emitted as a failed record (routed by the error policy).',
      ),
    encoding: z
      .enum(['utf8', 'latin1', 'ascii'])
      .default('utf8')
      .describe('Character encoding of the files.'),
  })
  .superRefine((c, ctx) => {
    if (c.format === 'regex' && c.regex === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['regex'],
        message: 'format "regex" needs a `regex` pattern with named groups',
      });
    }
    if (
      c.format === 'regex' &&
      c.regex !== undefined &&
      compiles(c.regex) &&
      !/\(\?<[A-Za-z_$][\w$]*>/.test(c.regex)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['regex'],
        message: 'the `regex` pattern has no named groups, e.g. (?<level>\\w+)',
      });
    }
  });

export type FileSourceConfig = z.output<typeof fileSourceConfig>;
