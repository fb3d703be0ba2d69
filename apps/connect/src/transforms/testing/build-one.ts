import type { Transform, TransformRecord } from '../../pipeline/connector-spec';
import { buildTransforms } from '../registry';

/** One configured transform, built the way the runtime builds a chain (options validated, `if` applied). */
export function buildOne(type: string, options: Record<string, unknown>): Transform {
  const [t] = buildTransforms([{ type, options }]);
  if (!t) throw new Error('no transform built');
  return t;
}

export function rec(value: unknown, over: Partial<TransformRecord> = {}): TransformRecord {
  return { topic: 'app-logs', key: null, value, headers: {}, ...over };
}
