import fc from 'fast-check';
import type { FieldDef, Fields, Scalar } from '../schema/fields';
import type { MessageDef } from '../schema/message';
import { inRange } from '../schema/versions';

// Test-only: builds fast-check arbitraries straight from a message table, so every table gets a round-trip
// property without hand-written generators. Fields absent in a version take their default, which is what the
// decoder fills in, so decode(encode(x)) must equal x exactly.

const bytes = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a));

function scalar(kind: Scalar): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer();
    // int64 travels as a JS number (docs/adr/0002): the safe-integer range is the contract.
    case 'int64':
      return fc.maxSafeInteger();
    case 'float64':
      return fc.double({ noNaN: true }).filter((d) => !Object.is(d, -0));
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 12 });
    case 'bytes':
      return bytes;
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a).toString('hex'));
  }
}

function absentValue(def: FieldDef): unknown {
  return Array.isArray(def.default) ? [] : def.default;
}

function field(def: FieldDef, version: number): fc.Arbitrary<unknown> {
  if (!inRange(def.versions, version)) return fc.constant(absentValue(def));
  const nullable = def.nullableVersions !== null && inRange(def.nullableVersions, version);
  let arb: fc.Arbitrary<unknown>;
  switch (def.kind) {
    case 'records':
      arb = bytes;
      break;
    case 'array':
      arb = fc.array(struct(def.fields!, version), { maxLength: 3 });
      break;
    case 'scalarArray':
      arb = fc.array(scalar(def.item!), { maxLength: 4 });
      break;
    case 'struct':
      arb = struct(def.fields!, version);
      break;
    default:
      arb = scalar(def.kind);
  }
  return nullable ? fc.option(arb, { nil: null, freq: 4 }) : arb;
}

export function struct(fields: Fields, version: number): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const def of fields) model[def.name] = field(def, version);
  return fc.record(model);
}

export function arbitraryMessage(def: MessageDef, version: number): fc.Arbitrary<Record<string, unknown>> {
  return struct(def.fields, version);
}

/** The value a decoder yields for `value` at `version`: present fields kept, absent ones replaced by defaults. */
export function project(
  fields: Fields,
  version: number,
  value: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const def of fields) {
    if (!inRange(def.versions, version)) {
      out[def.name] = absentValue(def);
      continue;
    }
    const v = value[def.name] === undefined ? def.default : value[def.name];
    if ((def.kind === 'array' || def.kind === 'struct') && v !== null && v !== undefined) {
      out[def.name] =
        def.kind === 'array'
          ? (v as Record<string, unknown>[]).map((item) => project(def.fields!, version, item))
          : project(def.fields!, version, v as Record<string, unknown>);
    } else {
      out[def.name] = v;
    }
  }
  return out;
}

/** Every message table exported by a module (anything shaped like a MessageDef). */
export function messageDefs(mod: Record<string, unknown>): MessageDef[] {
  return Object.values(mod).filter(
    (v): v is MessageDef =>
      typeof v === 'object' && v !== null && 'fields' in v && 'encode' in v && 'decode' in v && 'apiKey' in v,
  );
}
