import type { Reader } from './primitives/reader';
import type { Writer } from './primitives/writer';

/** Request header v1 (every non-flexible version): api_key, api_version, correlation_id, client_id. */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export function readRequestHeader(r: Reader): RequestHeader {
  return { apiKey: r.int16(), apiVersion: r.int16(), correlationId: r.int32(), clientId: r.nullableString() };
}

export function writeRequestHeader(w: Writer, h: RequestHeader): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId).nullableString(h.clientId);
}

/** Response header v0: correlation_id only. */
export function writeResponseHeader(w: Writer, correlationId: number): void {
  w.int32(correlationId);
}
