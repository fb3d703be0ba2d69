import { z } from 'zod';
import { defineConnector, type ConnectorDefinition } from '@tributary/connect-sdk';

/**
 * Small, complete connector definitions for loader and CLI specs (shaped like the file connectors, so the
 * README example validates without depending on the real plugins).
 */
export const demoSource = defineConnector({
  name: 'file-source',
  kind: 'source',
  version: '0.0.1',
  summary: 'tails files',
  config: z.strictObject({
    paths: z.array(z.string()).min(1).describe('glob patterns of files to read'),
    format: z.enum(['json', 'text']).default('text'),
    topic: z.string().min(1),
    'poll.interval': z.number().int().default(1000),
  }),
  example: { paths: ['/var/log/app/*.log'], topic: 'app-logs' },
  createTask: () => ({
    start: async () => undefined,
    poll: async () => [],
    stop: async () => undefined,
  }),
});

export const demoSink = defineConnector({
  name: 'file-sink',
  kind: 'sink',
  version: '0.0.1',
  summary: 'appends records to a file',
  config: z.strictObject({ path: z.string().min(1), 'fsync.every': z.number().int().default(1) }),
  example: { path: './out/app-logs.jsonl' },
  createTask: () => ({
    start: async () => undefined,
    put: async () => undefined,
    flush: async () => undefined,
    stop: async () => undefined,
  }),
});

export const demoRegistry: readonly ConnectorDefinition[] = [demoSource, demoSink];
