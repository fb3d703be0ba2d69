import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '@tributary/connect-sdk';

/**
 * The pipeline file's own keys (everything except plugin configs and transform options, which their
 * definitions validate). Keys are the ones users write, dotted like Kafka's; outputs are what specs need.
 */

export const CONNECTOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function duration() {
  return z.union([z.number(), z.string()], { error: `expected ${DURATION_HINT}` }).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === null) {
      ctx.issues.push({ code: 'custom', message: `"${v}" is not ${DURATION_HINT}`, input: v });
      return z.NEVER;
    }
    return ms;
  });
}

const topicName = z
  .string()
  .min(1, { error: 'must not be empty', abort: true })
  .regex(/^[A-Za-z0-9._-]+$/, { error: 'a topic name is letters, digits, ".", "_" and "-"' });

const regexString = z.string().superRefine((p, ctx) => {
  try {
    new RegExp(p);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(e as Error).message}` });
  }
});

const errorsSchema = z.strictObject({
  tolerance: z.enum(['none', 'all']).default('none'),
  'retry.timeout': duration().default(0),
  'retry.delay.max': duration().default(60_000),
  'dlq.topic': topicName.nullable().default(null),
  'dlq.context.headers': z.boolean().default(true),
  log: z.boolean().default(true),
});

const restartSchema = z.strictObject({
  auto: z.boolean().default(true),
  'initial.delay': duration().default(1_000),
  'max.delay': duration().default(60_000),
  'max.attempts': z.number().int().min(0).default(0),
});

const converterKind = z.enum(['json', 'string']);

export const connectorEntrySchema = z.strictObject({
  name: z
    .string()
    .min(1, { error: 'connector name must not be empty', abort: true })
    .regex(CONNECTOR_NAME, {
      error: `connector name must match ${CONNECTOR_NAME.source} (letters, digits, ".", "_", "-"; starting with a letter or digit)`,
    }),
  type: z.string().min(1, { error: 'connector type must not be empty' }),
  topics: z.array(topicName).min(1, { error: 'list at least one topic' }).optional(),
  'topics.regex': regexString.optional(),
  // Checked against the plugin's own spec once the type is known.
  config: z.unknown().optional(),
  // Checked one by one against the transform registry.
  transforms: z.array(z.unknown()).nullable().default([]),
  errors: errorsSchema.prefault({}),
  restart: restartSchema.prefault({}),
  'tasks.max': z.number().int().min(1).default(1),
  converter: z
    .strictObject({ key: converterKind.default('json'), value: converterKind.default('json') })
    .prefault({}),
  'stall.timeout': duration().default(60_000),
  state: z.enum(['RUNNING', 'PAUSED', 'STOPPED']).default('RUNNING'),
});

export type ConnectorEntry = z.output<typeof connectorEntrySchema>;

const hostPort = /^\S+:\d{1,5}$/;

export const workerSchema = z.strictObject({
  bootstrap: z
    .union([z.string(), z.array(z.string())], {
      error: 'expected "host:port,host:port" or a list of host:port',
    })
    .transform((v, ctx) => {
      const list = (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
      const bad = list.filter((s) => !hostPort.test(s));
      if (list.length === 0 || bad.length > 0) {
        ctx.issues.push({
          code: 'custom',
          message:
            list.length === 0
              ? 'no servers given'
              : `expected host:port, got ${bad.map((b) => `"${b}"`).join(', ')}`,
          input: v,
        });
        return z.NEVER;
      }
      return list;
    })
    .optional(),
  'rest.host': z.string().min(1).optional(),
  'rest.port': z.number().int().min(0).max(65_535).optional(),
  'offsets.topic': topicName.optional(),
  'configs.topic': topicName.optional(),
  'status.topic': topicName.optional(),
  'replication.factor': z.number().int().min(1).optional(),
  'group.prefix': z.string().optional(),
  'offset.flush.interval': duration().optional(),
});

export const fileSchema = z.strictObject({
  worker: z.unknown().optional(),
  broker: z
    .record(z.string(), z.unknown(), { error: 'expected a mapping of broker settings' })
    .nullable()
    .optional(),
  connectors: z
    .array(z.unknown(), {
      error: (iss) => (iss.input === undefined ? undefined : 'expected a list of connectors'),
    })
    .nullable(),
});
