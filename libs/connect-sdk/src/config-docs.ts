import { z } from 'zod';
import { stringify } from 'yaml';
import type { ConnectorDefinition } from './define-connector';

/** The parts of JSON Schema that zod emits for connector configs. */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
}

export interface ConfigKeyDoc {
  /** Dotted for keys of nested objects: `auth.user`. */
  name: string;
  type: string;
  /** JSON text of the default, or null when there is none. */
  default: string | null;
  required: boolean;
  description: string;
}

/** First line of every generated page; the docs script only ever deletes files that start with it. */
export const GENERATED_MARKER =
  '<!-- Generated from the connector config spec by scripts/gen-connector-docs.ts. Edit the spec, not this file. -->';

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.map(typeOf))].join(' | ');
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length === 0) return 'any';
  return types
    .map((t) => {
      if (t === 'array') return `${s.items ? wrap(typeOf(s.items)) : 'any'}[]`;
      if (t === 'object') return 'map';
      return t;
    })
    .join(' | ');
}

function wrap(t: string): string {
  return t.includes(' | ') ? `(${t})` : t;
}

/**
 * Defaults by dotted key, read from the zod schema itself: JSON Schema leaves out the default of a field whose
 * input and output types differ (a duration given as "2s" or 2000, defaulting to the number 2000).
 */
function zodDefaults(schema: z.ZodType, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  let s: z.ZodType | undefined = schema;
  for (let i = 0; s && i < 8 && !(s instanceof z.ZodObject); i++) {
    s = (s._zod.def as { innerType?: z.ZodType }).innerType;
  }
  if (!(s instanceof z.ZodObject)) return out;
  for (const [key, field] of Object.entries(s.shape as Record<string, z.ZodType>)) {
    let f: z.ZodType | undefined = field;
    for (let i = 0; f && i < 8; i++) {
      const def = f._zod.def as { type: string; innerType?: z.ZodType; defaultValue?: unknown };
      if (def.type === 'default') {
        out.set(`${prefix}${key}`, def.defaultValue);
        break;
      }
      f = def.innerType;
    }
    zodDefaults(field, `${prefix}${key}.`, out);
  }
  return out;
}

/** One row per config key; nested objects are flattened into dotted names. */
export function configKeyDocs(schema: z.ZodType): ConfigKeyDoc[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const defaults = zodDefaults(schema);
  const rows: ConfigKeyDoc[] = [];
  const walk = (s: JsonSchema, prefix: string, parentRequired: boolean): void => {
    const required = new Set(s.required ?? []);
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      const name = `${prefix}${key}`;
      const dflt = prop.default !== undefined ? prop.default : defaults.get(name);
      const isRequired = parentRequired && required.has(key) && dflt === undefined;
      if (prop.properties && Object.keys(prop.properties).length > 0) {
        walk(prop, `${name}.`, isRequired);
        continue;
      }
      rows.push({
        name,
        type: typeOf(prop),
        default: dflt === undefined ? null : JSON.stringify(dflt),
        required: isRequired,
        description: prop.description ?? '',
      });
    }
  };
  walk(root, '', true);
  return rows;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** A pipeline-file snippet using the connector's example config. */
function exampleYaml(def: ConnectorDefinition): string {
  const entry: Record<string, unknown> = { name: `my-${def.name}`, type: def.name };
  if (def.kind === 'sink') entry['topics'] = ['my-topic'];
  entry['config'] = def.example;
  return stringify({ connectors: [entry] }, { lineWidth: 0 });
}

/** The markdown page for one connector: summary, description, config key table and an example. */
export function renderConnectorDoc(def: ConnectorDefinition): string {
  const rows = configKeyDocs(def.config);
  const lines = [
    GENERATED_MARKER,
    '',
    `# ${def.name}`,
    '',
    `${def.kind === 'source' ? 'Source' : 'Sink'} connector, version ${def.version}. ${def.summary}`,
    '',
  ];
  if (def.description) lines.push(def.description.trim(), '');
  lines.push('## Configuration', '');
  if (rows.length === 0) {
    lines.push('This connector takes no configuration.', '');
  } else {
    lines.push('| Key | Type | Default | Required | Description |', '| --- | --- | --- | --- | --- |');
    for (const r of rows) {
      const dflt = r.default === null ? '' : `\`${cell(r.default)}\``;
      lines.push(
        `| \`${r.name}\` | ${cell(r.type)} | ${dflt} | ${r.required ? 'yes' : 'no'} | ${cell(r.description)} |`,
      );
    }
    lines.push('');
  }
  lines.push('## Example', '', '```yaml', exampleYaml(def).trimEnd(), '```', '');
  return lines.join('\n');
}

/** `docs/connectors/README.md`: every connector with its kind and summary. */
export function renderConnectorIndex(defs: readonly ConnectorDefinition[]): string {
  const lines = [GENERATED_MARKER, '', '# Connectors', ''];
  if (defs.length === 0) {
    lines.push('No connectors are registered yet.', '');
    return lines.join('\n');
  }
  lines.push('| Connector | Kind | Summary |', '| --- | --- | --- |');
  for (const d of [...defs].sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(`| [${d.name}](${d.name}.md) | ${d.kind} | ${cell(d.summary)} |`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Every generated docs file by name (`<name>.md` per connector plus `README.md`). */
export function renderConnectorDocs(defs: readonly ConnectorDefinition[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of defs) files.set(`${d.name}.md`, renderConnectorDoc(d));
  files.set('README.md', renderConnectorIndex(defs));
  return files;
}
