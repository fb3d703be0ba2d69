/**
 * Postgres text output → JSON-able values, by type OID. Both the snapshot (rows fetched as raw text) and the
 * stream (pgoutput tuples in text format) go through here, so a row reads the same either way. The sessions
 * run with DateStyle=ISO, IntervalStyle=iso_8601, TimeZone=UTC and extra_float_digits=3 (see SESSION_OPTIONS).
 */
export type ValueMapper = (text: string) => unknown;

/** libpq `options` for every connection we open: fixes the text formats the mappers below expect. */
export const SESSION_OPTIONS =
  '-c DateStyle=ISO,YMD -c IntervalStyle=iso_8601 -c TimeZone=UTC -c extra_float_digits=3 -c bytea_output=hex';

const identity: ValueMapper = (t) => t;
const toInt: ValueMapper = (t) => Number(t);
const toFloat: ValueMapper = (t) => {
  const n = Number(t);
  // NaN and ±Infinity have no JSON number: keep Postgres's spelling.
  return Number.isFinite(n) ? n : t;
};
const toBool: ValueMapper = (t) => t === 't';
/** bytea in hex output ("\x0102") → base64. */
const toBase64: ValueMapper = (t) =>
  Buffer.from(t.startsWith('\\x') ? t.slice(2) : t, 'hex').toString('base64');

/** "2026-01-02 03:04:05.1" → "2026-01-02T03:04:05.100000": always six fractional digits. */
function isoTimestamp(t: string, zone: string): string {
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))?(?:[+-]\d\d(?::?\d\d)*)?( BC)?$/.exec(t);
  if (!m) return t; // infinity, -infinity
  const frac = (m[3] ?? '').padEnd(6, '0');
  return `${m[1]}T${m[2]}.${frac}${zone}${m[4] ?? ''}`;
}
const toTimestamp: ValueMapper = (t) => isoTimestamp(t, '');
// TimeZone=UTC makes Postgres print "+00", so the instant is already in UTC.
const toTimestamptz: ValueMapper = (t) => isoTimestamp(t, 'Z');

/** Scalar mappers by type OID; types not listed (enums, inet, money, xml, ranges, ...) stay text. */
const SCALARS: ReadonlyMap<number, ValueMapper> = new Map<number, ValueMapper>([
  [16, toBool],
  [17, toBase64],
  [20, identity], // int8: a string, no precision loss
  [21, toInt],
  [23, toInt],
  [26, toInt], // oid
  [700, toFloat],
  [701, toFloat],
  [1700, identity], // numeric: exact decimal string
  [114, identity], // json: the JSON text, exactly as stored (big integers stay exact)
  [3802, identity], // jsonb: the normalised JSON text
  [1082, identity], // date: YYYY-MM-DD
  [1083, identity], // time: HH:MM:SS[.ffffff]
  [1266, identity], // timetz
  [1114, toTimestamp],
  [1184, toTimestamptz],
  [1186, identity], // interval: ISO-8601 duration (IntervalStyle=iso_8601), e.g. P1Y2M3DT4H5M6S
  [2950, identity], // uuid
]);

/**
 * Array type OID → element type OID. The built-in ones; `TypeCatalog` adds the rest (enum arrays, domains)
 * from pg_type at start.
 */
const BUILTIN_ARRAYS: ReadonlyArray<[number, number]> = [
  [1000, 16],
  [1001, 17],
  [1016, 20],
  [1005, 21],
  [1007, 23],
  [1028, 26],
  [1021, 700],
  [1022, 701],
  [1231, 1700],
  [199, 114],
  [3807, 3802],
  [1182, 1082],
  [1183, 1083],
  [1270, 1266],
  [1115, 1114],
  [1185, 1184],
  [1187, 1186],
  [2951, 2950],
  [1009, 25],
  [1015, 1043],
  [1014, 1042],
];

/** Parses a Postgres array literal ("{1,NULL,"a b",{2,3}}") into nested arrays of element texts (or null). */
export function parseArrayLiteral(text: string, delimiter = ','): unknown[] {
  let i = 0;
  // Optional dimension decoration: "[1:2]={...}".
  if (text[0] === '[') i = text.indexOf('=') + 1;
  const parse = (): unknown[] => {
    const out: unknown[] = [];
    i++; // '{'
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      const c = text[i];
      if (c === '{') out.push(parse());
      else if (c === '"') {
        let s = '';
        i++;
        while (text[i] !== '"') {
          if (text[i] === '\\') i++;
          s += text[i++];
        }
        i++;
        out.push(s);
      } else {
        let j = i;
        while (text[j] !== delimiter && text[j] !== '}') j++;
        const raw = text.slice(i, j);
        out.push(raw === 'NULL' ? null : raw);
        i = j;
      }
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      i++; // '}'
      return out;
    }
  };
  return parse();
}

function mapNested(value: unknown, element: ValueMapper): unknown {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((v) => mapNested(v, element));
  return element(value as string);
}

/** Resolves the mapper of any type OID; arrays map each element with the element type's mapper. */
export class TypeCatalog {
  private readonly arrays = new Map<number, number>(BUILTIN_ARRAYS);
  private readonly cache = new Map<number, ValueMapper>();

  /** Adds array types found in pg_type (`typelem` of every array type), so enum arrays etc. map too. */
  addArrayTypes(rows: ReadonlyArray<{ oid: number; typelem: number }>): void {
    for (const r of rows) if (!this.arrays.has(r.oid)) this.arrays.set(r.oid, r.typelem);
    this.cache.clear();
  }

  isKnownArray(oid: number): boolean {
    return this.arrays.has(oid);
  }

  mapper(oid: number): ValueMapper {
    let m = this.cache.get(oid);
    if (m) return m;
    const elem = this.arrays.get(oid);
    if (elem !== undefined) {
      const element = this.mapper(elem);
      // box[] is the one built-in type delimited by ';'; its elements stay text anyway.
      const delimiter = elem === 603 ? ';' : ',';
      m = (t) => mapNested(parseArrayLiteral(t, delimiter), element);
    } else {
      m = SCALARS.get(oid) ?? identity;
    }
    this.cache.set(oid, m);
    return m;
  }
}
