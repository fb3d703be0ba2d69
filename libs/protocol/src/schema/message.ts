import type { ApiKey } from '../api-keys';
import { compileDecoder, compileEncoder, type Decoder, type Encoder } from './codec';
import type { Fields, Infer } from './fields';
import { parseVersions, type VersionRange } from './versions';

/**
 * One API's request and response grammar, with the versions the table covers. A handler may serve a
 * narrower range; the table must cover every version the handler advertises.
 */
export interface MessageDef<F extends Fields = Fields> {
  readonly name: string;
  readonly apiKey: ApiKey;
  readonly versions: VersionRange;
  readonly fields: F;
  decode: Decoder<Infer<F>>;
  encode: Encoder<Infer<F>>;
}

export function message<F extends Fields>(
  apiKey: ApiKey,
  name: string,
  versions: string,
  fields: F,
): MessageDef<F> {
  const range = parseVersions(versions);
  return {
    name,
    apiKey,
    versions: range,
    fields,
    decode: compileDecoder<Infer<F>>(name, range, fields),
    encode: compileEncoder<Infer<F>>(name, range, fields),
  };
}

export type MessageOf<M> = M extends MessageDef<infer F> ? Infer<F> : never;
