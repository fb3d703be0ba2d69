import { Body, Controller, Get, Inject, Param, Put } from '@nestjs/common';
import { z } from 'zod';
import { formatPath, validateConfig, type ConnectorDefinition } from '@tributary/connect-sdk';
import { CONNECT_WORKER } from './connect.tokens';
import type { ConnectWorker } from '../runtime/connect-worker';
import { ConnectRequestError } from '../runtime/connect-request-error';

interface FieldDoc {
  name: string;
  type: string;
  required: boolean;
  default_value: unknown;
  documentation: string;
}

/** The plugin's config keys, from its zod spec (the same source as docs/connectors). */
function fieldsOf(def: ConnectorDefinition): FieldDoc[] {
  const schema = z.toJSONSchema(def.config, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<
      string,
      { type?: string | string[]; default?: unknown; description?: string; enum?: unknown[] }
    >;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, p]) => ({
    name,
    // A union (e.g. a duration: number or string) has a list of types; Kafka Connect's `type` is one string.
    type: p.enum ? `enum(${p.enum.join('|')})` : Array.isArray(p.type) ? p.type.join('|') : (p.type ?? 'any'),
    required: (schema.required ?? []).includes(name),
    default_value: p.default ?? null,
    documentation: p.description ?? '',
  }));
}

@Controller('connector-plugins')
export class PluginsController {
  constructor(@Inject(CONNECT_WORKER) private readonly worker: ConnectWorker) {}

  private plugin(type: string): ConnectorDefinition {
    const def = this.worker.registry.find((d) => d.name === type);
    if (!def) {
      throw new ConnectRequestError(
        404,
        `no connector plugin "${type}"; available: ${this.worker.registry.map((d) => d.name).join(', ')}`,
      );
    }
    return def;
  }

  @Get()
  list() {
    return this.worker.registry.map((d) => ({
      class: d.name,
      type: d.kind,
      version: d.version,
      summary: d.summary,
    }));
  }

  @Get(':type/config')
  config(@Param('type') type: string) {
    return fieldsOf(this.plugin(type));
  }

  /** Kafka Connect's validate response: one entry per key with its errors, and the total error count. */
  @Put(':type/config/validate')
  validate(@Param('type') type: string, @Body() body: unknown) {
    const def = this.plugin(type);
    const raw = (body ?? {}) as Record<string, unknown>;
    const r = validateConfig(def.config, raw);
    const errorsByKey = new Map<string, string[]>();
    if (!r.ok) {
      for (const p of r.problems) {
        const key = String(p.path[0] ?? '');
        errorsByKey.set(key, [
          ...(errorsByKey.get(key) ?? []),
          p.path.length > 1 ? `${formatPath(p.path)}: ${p.message}` : p.message,
        ]);
      }
    }
    const fields = fieldsOf(def);
    const known = new Set(fields.map((f) => f.name));
    const configs = [
      ...fields.map((f) => ({
        definition: f,
        value: {
          name: f.name,
          value: raw[f.name] ?? null,
          errors: errorsByKey.get(f.name) ?? [],
          recommended_values: [],
          visible: true,
        },
      })),
      // Unknown keys have no definition; report them as their own entries so none is lost.
      ...[...errorsByKey]
        .filter(([k]) => !known.has(k))
        .map(([k, errors]) => ({
          definition: { name: k, type: 'unknown', required: false, default_value: null, documentation: '' },
          value: { name: k, value: raw[k] ?? null, errors, recommended_values: [], visible: true },
        })),
    ];
    return {
      name: def.name,
      error_count: configs.reduce((n, c) => n + c.value.errors.length, 0),
      groups: ['Common'],
      configs,
    };
  }
}
