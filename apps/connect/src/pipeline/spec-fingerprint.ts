import { canonicalJson } from '@tributary/common';
import type { ConnectorSpec } from './connector-spec';

/**
 * Everything that defines a connector except where it was declared: on hot reload, a connector whose
 * fingerprint is unchanged keeps running even if it moved in the file.
 */
export function specFingerprint(spec: ConnectorSpec): string {
  return canonicalJson({ ...spec, origin: undefined });
}
