import { parseVersions, type VersionRange } from './versions';

/**
 * The grammar of our message tables. A field is present in `versions`, may be null in `nullableVersions`
 * and otherwise takes `default` when absent from a version. The phantom `T` carries the TypeScript type
 * so that request/response interfaces are inferred from the table instead of written twice.
 */
export type Scalar =
  'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64' | 'bool' | 'string' | 'bytes' | 'uuid';
export type Kind = Scalar | 'records' | 'array' | 'scalarArray' | 'struct';

/** Record data: decoded as one view of the frame; encoded from one buffer or a list of stored batches. */
export type RecordsData = Buffer | readonly Buffer[];

export interface FieldDef<N extends string = string, T = unknown> {
  readonly name: N;
  readonly kind: Kind;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange | null;
  readonly default: unknown;
  /** For 'array' and 'struct'. */
  readonly fields?: readonly FieldDef[];
  /** For 'scalarArray'. */
  readonly item?: Scalar;
  readonly __type?: T;
}

export type Fields = readonly FieldDef[];
export type Infer<F extends Fields> = {
  [K in F[number] as K['name']]: K extends FieldDef<string, infer T> ? T : never;
};

interface Opts<T> {
  /** Versions where the field is on the wire; default "0+". */
  versions?: string;
  /** Value used when the field is not in the version being read or written. */
  default?: T;
}
interface NullableOpts<T> extends Opts<T> {
  /** Versions where -1 (null) is allowed; default: every version. */
  nullable?: string;
}

const SCALAR_DEFAULTS: Record<Scalar, unknown> = {
  int8: 0,
  int16: 0,
  uint16: 0,
  int32: 0,
  int64: 0,
  float64: 0,
  bool: false,
  string: '',
  bytes: Buffer.alloc(0),
  uuid: '00000000000000000000000000000000',
};

function make<N extends string, T>(
  name: N,
  kind: Kind,
  opts: NullableOpts<T> | undefined,
  nullableByDefault: boolean,
  extra: { fields?: Fields; item?: Scalar } = {},
  fallback?: unknown,
): FieldDef<N, T> {
  const nullable = opts?.nullable ?? (nullableByDefault ? '0+' : undefined);
  return {
    name,
    kind,
    versions: parseVersions(opts?.versions ?? '0+'),
    nullableVersions: nullable === undefined ? null : parseVersions(nullable),
    default: opts?.default !== undefined ? opts.default : nullableByDefault ? null : fallback,
    ...extra,
  };
}

const scalar =
  <S extends Scalar, T>(kind: S) =>
  <N extends string>(name: N, opts?: Opts<T>): FieldDef<N, T> =>
    make<N, T>(name, kind, opts, false, {}, SCALAR_DEFAULTS[kind]);

export const f = {
  int8: scalar<'int8', number>('int8'),
  int16: scalar<'int16', number>('int16'),
  uint16: scalar<'uint16', number>('uint16'),
  int32: scalar<'int32', number>('int32'),
  int64: scalar<'int64', number>('int64'),
  float64: scalar<'float64', number>('float64'),
  bool: scalar<'bool', boolean>('bool'),
  uuid: scalar<'uuid', string>('uuid'),
  string: scalar<'string', string>('string'),
  bytes: scalar<'bytes', Buffer>('bytes'),
  nullableString: <N extends string>(
    name: N,
    opts?: NullableOpts<string | null>,
  ): FieldDef<N, string | null> => make(name, 'string', opts, true),
  nullableBytes: <N extends string>(
    name: N,
    opts?: NullableOpts<Buffer | null>,
  ): FieldDef<N, Buffer | null> => make(name, 'bytes', opts, true),
  records: <N extends string>(
    name: N,
    opts?: NullableOpts<RecordsData | null>,
  ): FieldDef<N, RecordsData | null> => make(name, 'records', opts, true),
  array: <N extends string, F extends Fields>(
    name: N,
    fields: F,
    opts?: Opts<Infer<F>[]>,
  ): FieldDef<N, Infer<F>[]> => make(name, 'array', opts, false, { fields }, []),
  nullableArray: <N extends string, F extends Fields>(
    name: N,
    fields: F,
    opts?: NullableOpts<Infer<F>[] | null>,
  ): FieldDef<N, Infer<F>[] | null> => make(name, 'array', opts, true, { fields }),
  scalarArray: <N extends string, S extends Scalar>(
    name: N,
    item: S,
    opts?: Opts<ScalarType<S>[]>,
  ): FieldDef<N, ScalarType<S>[]> => make(name, 'scalarArray', opts, false, { item }, []),
  nullableScalarArray: <N extends string, S extends Scalar>(
    name: N,
    item: S,
    opts?: NullableOpts<ScalarType<S>[] | null>,
  ): FieldDef<N, ScalarType<S>[] | null> => make(name, 'scalarArray', opts, true, { item }),
};

export type ScalarType<S extends Scalar> = S extends 'bool'
  ? boolean
  : S extends 'string' | 'uuid'
    ? string
    : S extends 'bytes'
      ? Buffer
      : number;
