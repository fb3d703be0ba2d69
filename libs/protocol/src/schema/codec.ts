import { ProtocolDecodeError } from '../primitives/decode-error';
import { Reader } from '../primitives/reader';
import { Writer } from '../primitives/writer';
import type { FieldDef, Fields, RecordsData, Scalar } from './fields';
import { inRange, type VersionRange } from './versions';

export type Decoder<T> = (r: Reader, version: number) => T;
export type Encoder<T> = (w: Writer, version: number, value: T) => void;

/** A field resolved for one version: present on the wire or filled with its default. */
interface Step {
  readonly def: FieldDef;
  readonly present: boolean;
  readonly nullable: boolean;
  readonly children: readonly Step[] | null;
}

function plan(fields: Fields, version: number): Step[] {
  return fields.map((def) => ({
    def,
    present: inRange(def.versions, version),
    nullable: def.nullableVersions !== null && inRange(def.nullableVersions, version),
    children: def.fields ? plan(def.fields, version) : null,
  }));
}

/** Plans are resolved once per (message, version) and reused: no per-request schema walking beyond the steps. */
function planner(name: string, range: VersionRange, fields: Fields): (v: number) => Step[] {
  const cache = new Map<number, Step[]>();
  return (v) => {
    let p = cache.get(v);
    if (!p) {
      if (!inRange(range, v))
        throw new ProtocolDecodeError(`${name} has no version ${v} (table covers ${range.min}-${range.max})`);
      p = plan(fields, v);
      cache.set(v, p);
    }
    return p;
  };
}

function readScalar(r: Reader, kind: Scalar, nullable: boolean): unknown {
  switch (kind) {
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'uint16':
      return r.uint16();
    case 'int32':
      return r.int32();
    case 'int64':
      return r.int64();
    case 'float64':
      return r.float64();
    case 'bool':
      return r.bool();
    case 'uuid':
      return r.uuid();
    case 'string':
      return nullable ? r.nullableString() : r.string();
    case 'bytes':
      return nullable ? r.nullableBytes() : r.bytes();
  }
}

function copyDefault(v: unknown): unknown {
  return Array.isArray(v) ? [] : v;
}

function readStruct(r: Reader, steps: readonly Step[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of steps) out[s.def.name] = s.present ? readField(r, s) : copyDefault(s.def.default);
  return out;
}

function readField(r: Reader, s: Step): unknown {
  const def = s.def;
  switch (def.kind) {
    case 'records':
      return s.nullable ? r.nullableBytes() : r.bytes();
    case 'array': {
      const n = r.arrayLength();
      if (n === -1) return nullOrFail(s);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = readStruct(r, s.children!);
      return out;
    }
    case 'scalarArray': {
      const n = r.arrayLength();
      if (n === -1) return nullOrFail(s);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = readScalar(r, def.item!, false);
      return out;
    }
    case 'struct':
      return readStruct(r, s.children!);
    default:
      return readScalar(r, def.kind, s.nullable);
  }
}

function nullOrFail(s: Step): null {
  if (!s.nullable)
    throw new ProtocolDecodeError(`field ${s.def.name} is null but not nullable in this version`);
  return null;
}

function writeScalar(w: Writer, kind: Scalar, v: unknown, nullable: boolean): void {
  switch (kind) {
    case 'int8':
      w.int8(v as number);
      return;
    case 'int16':
      w.int16(v as number);
      return;
    case 'uint16':
      w.uint16(v as number);
      return;
    case 'int32':
      w.int32(v as number);
      return;
    case 'int64':
      w.int64(v as number);
      return;
    case 'float64':
      w.float64(v as number);
      return;
    case 'bool':
      w.bool(v as boolean);
      return;
    case 'uuid':
      w.uuid(v as string);
      return;
    case 'string':
      if (nullable) w.nullableString(v as string | null);
      else w.string((v ?? '') as string);
      return;
    case 'bytes':
      if (nullable) w.nullableBytes(v as Buffer | null);
      else w.bytes((v ?? Buffer.alloc(0)) as Buffer);
      return;
  }
}

function writeStruct(w: Writer, steps: readonly Step[], value: Record<string, unknown>): void {
  for (const s of steps) {
    if (!s.present) continue;
    const v = value[s.def.name];
    writeField(w, s, v === undefined ? s.def.default : v);
  }
}

function writeField(w: Writer, s: Step, v: unknown): void {
  const def = s.def;
  switch (def.kind) {
    case 'records':
      w.records((v ?? (s.nullable ? null : Buffer.alloc(0))) as RecordsData | null);
      return;
    case 'array': {
      if (v === null || v === undefined) {
        w.int32(s.nullable ? -1 : 0);
        return;
      }
      const items = v as Record<string, unknown>[];
      w.int32(items.length);
      for (const item of items) writeStruct(w, s.children!, item);
      return;
    }
    case 'scalarArray': {
      if (v === null || v === undefined) {
        w.int32(s.nullable ? -1 : 0);
        return;
      }
      const items = v as unknown[];
      w.int32(items.length);
      for (const item of items) writeScalar(w, def.item!, item, false);
      return;
    }
    case 'struct':
      writeStruct(w, s.children!, (v ?? {}) as Record<string, unknown>);
      return;
    default:
      writeScalar(w, def.kind, v, s.nullable);
  }
}

export function compileDecoder<T>(name: string, range: VersionRange, fields: Fields): Decoder<T> {
  const steps = planner(name, range, fields);
  return (r, version) => readStruct(r, steps(version)) as T;
}

export function compileEncoder<T>(name: string, range: VersionRange, fields: Fields): Encoder<T> {
  const steps = planner(name, range, fields);
  return (w, version, value) => writeStruct(w, steps(version), value as Record<string, unknown>);
}
