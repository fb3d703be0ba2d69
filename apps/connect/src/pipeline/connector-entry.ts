import { suggest } from '@tributary/common';
import { validateConfig, type ConnectorDefinition } from '@tributary/connect-sdk';
import type { ConnectorSpec } from './connector-spec';
import { connectorEntrySchema } from './pipeline-schema';
import { check } from './schema-problems';
import { checkTransforms } from './transform-entries';
import type { KeyPath, RawProblem } from './yaml-source';

/**
 * Checks one `connectors[i]` entry: its own keys, the plugin type and config, the transforms and the
 * source/sink topic rules. Returns the spec (without origin) when all of it is valid; pushes every problem.
 */
export function checkConnector(
  raw: unknown,
  base: KeyPath,
  registry: readonly ConnectorDefinition[],
  problems: RawProblem[],
): Omit<ConnectorSpec, 'origin'> | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({ path: base, message: 'expected a connector mapping with name, type and config' });
    return null;
  }
  const entry = raw as Record<string, unknown>;
  const before = problems.length;
  const own = check(connectorEntrySchema, entry, base);
  if (!own.ok) problems.push(...own.problems);

  const def = findPlugin(entry['type'], [...base, 'type'], registry, problems);
  const config = def ? checkPluginConfig(def, entry['config'], [...base, 'config'], problems) : null;
  const transforms = Array.isArray(entry['transforms'])
    ? checkTransforms(entry['transforms'], [...base, 'transforms'], problems)
    : [];
  if (!own.ok || !def || !config || !transforms) return null;

  const e = own.value;
  const derived = def.kind === 'sink' && def.topicsOf ? def.topicsOf(config) : null;
  if (derived) {
    // The same list is accepted, so a config read back from `GET /connectors/{name}/config` can be PUT again.
    const same = e.topics?.length === derived.length && e.topics.every((t, i) => t === derived[i]);
    for (const key of ['topics', 'topics.regex'] as const) {
      if (e[key] !== undefined && !(key === 'topics' && same)) {
        problems.push({
          path: [...base, key],
          message: `${def.name} reads the topics its config names (${derived.join(', ')}); remove ${key}`,
        });
      }
    }
  } else if (def.kind === 'sink') {
    if (e.topics && e['topics.regex'] !== undefined) {
      problems.push({
        path: [...base, 'topics.regex'],
        message: 'give either topics or topics.regex, not both',
      });
    } else if (!e.topics && e['topics.regex'] === undefined) {
      problems.push({
        path: base,
        message: `sink connector "${e.name}" (${def.name}) needs topics: [..] or topics.regex: "..." to consume from`,
      });
    }
  } else {
    for (const key of ['topics', 'topics.regex'] as const) {
      if (e[key] !== undefined) {
        problems.push({
          path: [...base, key],
          message: `${key} is for sink connectors; ${def.name} is a source and names its topic in its config`,
        });
      }
    }
  }
  if (e.errors['dlq.topic'] !== null && e.errors.tolerance === 'none') {
    problems.push({
      path: [...base, 'errors', 'dlq.topic'],
      message: 'dlq.topic needs tolerance: all (with tolerance: none the first failed record fails the task)',
    });
  }
  if (problems.length > before) return null;

  return {
    name: e.name,
    type: def.name,
    kind: def.kind,
    topics: derived ?? e.topics ?? [],
    topicsRegex: derived ? null : (e['topics.regex'] ?? null),
    config,
    transforms,
    errors: {
      tolerance: e.errors.tolerance,
      retryTimeoutMs: e.errors['retry.timeout'],
      retryDelayMaxMs: e.errors['retry.delay.max'],
      dlqTopic: e.errors['dlq.topic'],
      dlqContextHeaders: e.errors['dlq.context.headers'],
      log: e.errors.log,
    },
    restart: {
      auto: e.restart.auto,
      initialDelayMs: e.restart['initial.delay'],
      maxDelayMs: e.restart['max.delay'],
      maxAttempts: e.restart['max.attempts'],
    },
    tasksMax: e['tasks.max'],
    converter: converterOf(def, entry['converter'], e.converter),
    stallTimeoutMs: e['stall.timeout'],
    initialState: e.state,
  };
}

function findPlugin(
  type: unknown,
  path: KeyPath,
  registry: readonly ConnectorDefinition[],
  problems: RawProblem[],
): ConnectorDefinition | null {
  if (typeof type !== 'string' || type === '') return null; // the entry schema reports it
  const def = registry.find((d) => d.name === type);
  if (def) return def;
  const names = registry.map((d) => d.name);
  const hint = suggest(type, names);
  problems.push({
    path,
    message:
      `unknown connector type "${type}"${hint ? `; did you mean "${hint}"?` : ''} ` +
      (names.length > 0 ? `(registered types: ${names.join(', ')})` : '(no connector types are registered)'),
  });
  return null;
}

function checkPluginConfig(
  def: ConnectorDefinition,
  raw: unknown,
  path: KeyPath,
  problems: RawProblem[],
): Record<string, unknown> | null {
  const r = validateConfig(def.config, raw);
  if (r.ok) return r.value as Record<string, unknown>;
  for (const p of r.problems) {
    // validateConfig's unknown-key problems end in the key itself; point at the key, not its value.
    problems.push({
      path: [...path, ...p.path],
      message: p.message,
      at: p.message.startsWith('unknown key') ? 'key' : 'value',
    });
  }
  return null;
}

/** The entry's converters, with the plugin's defaults for those the entry does not name. */
function converterOf(
  def: ConnectorDefinition,
  raw: unknown,
  parsed: ConnectorSpec['converter'],
): ConnectorSpec['converter'] {
  const given = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  return {
    key: given['key'] === undefined ? (def.converterDefaults?.key ?? parsed.key) : parsed.key,
    value: given['value'] === undefined ? (def.converterDefaults?.value ?? parsed.value) : parsed.value,
  };
}
