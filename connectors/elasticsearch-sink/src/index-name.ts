import type { SinkRecord } from '@tributary/connect-sdk';
import { RecordRejected } from './record-rejected';

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;
const KNOWN = ['topic', 'source.schema', 'source.table'];

/** Placeholders in an index template that the sink cannot fill, for config validation. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string).filter((p) => !KNOWN.includes(p));
}

/** Where `{{source.*}}` comes from: a Debezium envelope's `source` block, if the value has one. */
export interface SourceBlock {
  schema?: unknown;
  table?: unknown;
}

/**
 * The `schema` and `table` of a record: from its envelope, or (tombstones carry no value) from a
 * postgres-source topic name "<prefix>.<schema>.<table>".
 */
function sourceField(
  record: SinkRecord,
  source: SourceBlock | null,
  field: 'schema' | 'table',
): string | null {
  const fromEnvelope = source?.[field];
  if (typeof fromEnvelope === 'string' && fromEnvelope !== '') return fromEnvelope;
  const parts = record.topic.split('.');
  if (parts.length < 3) return null;
  return (field === 'schema' ? parts[parts.length - 2] : parts[parts.length - 1]) ?? null;
}

/** The index a record goes to: the template rendered and lower-cased (ES index names are lower case). */
export function renderIndex(template: string, record: SinkRecord, source: SourceBlock | null): string {
  return template
    .replace(PLACEHOLDER, (_m, name: string) => {
      if (name === 'topic') return record.topic;
      const field = name === 'source.schema' ? 'schema' : 'table';
      const v = sourceField(record, source, field);
      if (v === null)
        throw new RecordRejected(
          `index template "${template}" needs {{${name}}}, but the record has no Debezium source block and its topic "${record.topic}" is not "<prefix>.<schema>.<table>"`,
        );
      return v;
    })
    .toLowerCase();
}

/** Index patterns an index template covers: each placeholder becomes `*`. */
export function indexPatternOf(template: string): string {
  return template.replace(PLACEHOLDER, '*').replace(/\*+/g, '*').toLowerCase();
}
