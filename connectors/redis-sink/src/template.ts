import { canonicalJson } from './canonical';

/** One piece of a parsed template: literal text or a placeholder. */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'topic' }
  | { kind: 'key'; path: string[] }
  | { kind: 'value'; path: string[] }
  | { kind: 'source'; field: 'table' | 'schema' };

export interface ParsedTemplate {
  parts: TemplatePart[];
  /** Reads the row or the envelope, which a tombstone does not have. */
  needsValue: boolean;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const FIELD_PATH = /^[^.\s]+(\.[^.\s]+)*$/;

/** Parses `{{topic}}:{{key.id}}`-style text; unknown placeholders are an error naming the valid ones. */
export function parseTemplate(
  text: string,
): { ok: true; value: ParsedTemplate } | { ok: false; error: string } {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push({ kind: 'text', text: text.slice(last, m.index) });
    last = m.index + m[0].length;
    const name = m[1] ?? '';
    const dot = name.indexOf('.');
    const head = dot < 0 ? name : name.slice(0, dot);
    const rest = dot < 0 ? '' : name.slice(dot + 1);
    if (name === 'topic') parts.push({ kind: 'topic' });
    else if (name === 'key') parts.push({ kind: 'key', path: [] });
    else if ((head === 'key' || head === 'value') && FIELD_PATH.test(rest)) {
      parts.push({ kind: head, path: rest.split('.') });
    } else if (name === 'source.table' || name === 'source.schema') {
      parts.push({ kind: 'source', field: name === 'source.table' ? 'table' : 'schema' });
    } else {
      return {
        ok: false,
        error: `unknown placeholder "{{${name}}}" (known: {{topic}}, {{key}}, {{key.<field>}}, {{value.<field>}}, {{source.table}}, {{source.schema}})`,
      };
    }
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  if (/\{\{|\}\}/.test(parts.map((p) => (p.kind === 'text' ? p.text : '')).join(''))) {
    return { ok: false, error: `unbalanced "{{" or "}}" in template "${text}"` };
  }
  return {
    ok: true,
    value: { parts, needsValue: parts.some((p) => p.kind === 'value' || p.kind === 'source') },
  };
}

/** What a template reads from one record. */
export interface TemplateInput {
  topic: string;
  key: unknown;
  /** The row (unwrapped `after`, `before` for a delete, or the plain value); null when there is none. */
  row: unknown;
  /** The Debezium `source` block, when the value is an envelope. */
  source: Record<string, unknown> | null;
}

/** Thrown when a record lacks what the template names; the record goes to the errors policy. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

function at(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** A value as key text: strings as they are, scalars via String, objects as canonical JSON. */
function text(v: unknown, what: string): string {
  if (v === null || v === undefined) throw new TemplateError(`the record has no ${what}`);
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return canonicalJson(v);
}

/**
 * The whole key as text: a key object with exactly one field (a single-column primary key, `{"id": 42}`) gives
 * that field's value, so keys read `orders:42`; any other object gives its canonical JSON.
 */
export function keyText(key: unknown): string {
  if (key !== null && typeof key === 'object' && !Buffer.isBuffer(key) && !Array.isArray(key)) {
    const fields = Object.keys(key);
    if (fields.length === 1) return text((key as Record<string, unknown>)[fields[0]!], 'key');
  }
  return text(key, 'key');
}

export function renderTemplate(t: ParsedTemplate, input: TemplateInput): string {
  let out = '';
  for (const p of t.parts) {
    switch (p.kind) {
      case 'text':
        out += p.text;
        break;
      case 'topic':
        out += input.topic;
        break;
      case 'key':
        out +=
          p.path.length === 0
            ? keyText(input.key)
            : text(at(input.key, p.path), `key field "${p.path.join('.')}"`);
        break;
      case 'value':
        out += text(at(input.row, p.path), `value field "${p.path.join('.')}"`);
        break;
      case 'source':
        out += text(input.source?.[p.field], `source.${p.field} (not a Debezium envelope)`);
        break;
    }
  }
  return out;
}
