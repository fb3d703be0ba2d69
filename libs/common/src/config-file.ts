import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from './config-error';

/** Reads a YAML (or JSON, which is YAML) file into a plain object, reporting syntax errors with line:col. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${path}:${pos ? `${pos.line}:${pos.col}` : '?'}: ${e.message.split('\n')[0]}`;
    });
    throw new ConfigError(`invalid config file ${path}:\n  ${problems.join('\n  ')}`, problems);
  }
  // maxAliasCount bounds alias expansion ("billion laughs").
  const value: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${path}: expected a mapping of config keys to values at the top level`);
  }
  return value as Record<string, unknown>;
}
