import type { ConverterKind } from '../pipeline/connector-spec';

/** A record's bytes could not be turned back into a value; routed through the connector's `errors` policy. */
export class ConversionError extends Error {
  override readonly name = 'ConversionError';
}

/**
 * Values to bytes and back. `json`: anything JSON-able travels as JSON text (a string as a JSON string), so a
 * sink gets back exactly what the source emitted. `string`: strings travel as raw UTF-8 (what log tools expect),
 * other values as JSON text, and sinks receive strings. Buffers pass through untouched; null stays null.
 */
export function toBytes(kind: ConverterKind, v: unknown): Buffer | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v;
  if (kind === 'string' && typeof v === 'string') return Buffer.from(v, 'utf8');
  return Buffer.from(JSON.stringify(v), 'utf8');
}

/**
 * toBytes for the worker's producer: JSON and strings stay strings, written as UTF-8 straight into the record
 * batch (no Buffer per record). Same bytes on the wire as toBytes.
 */
export function toWire(kind: ConverterKind, v: unknown): string | Buffer | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v;
  if (kind === 'string' && typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function fromBytes(kind: ConverterKind, b: Buffer | null, what: 'key' | 'value'): unknown {
  if (b === null) return null;
  const text = b.toString('utf8');
  if (kind === 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConversionError(
      `the record's ${what} is not valid JSON (${(e as Error).message}); set converter.${what}: string for non-JSON data`,
    );
  }
}
