import { z } from 'zod';

export const fileSinkConfig = z.strictObject({
  path: z
    .string()
    .min(1)
    .describe(
      'Output file (JSON lines). Parent directories are created. The checkpoint lives beside it in `<path>.checkpoint.json`.',
    ),
  format: z
    .enum(['value', 'envelope'])
    .default('value')
    .describe(
      'value: one line per record holding its value as JSON; envelope: `{topic, partition, offset, key, value, headers?}`.',
    ),
  fsync: z
    .boolean()
    .default(true)
    .describe('fsync the file and its checkpoint on every flush, so a flushed record survives a power loss.'),
});

export type FileSinkConfig = z.output<typeof fileSinkConfig>;
