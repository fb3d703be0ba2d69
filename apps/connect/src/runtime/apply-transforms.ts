import type { Transform, TransformRecord } from '../pipeline/connector-spec';

/** Runs a record through a connector's transforms in order; null once one drops it. Throws what a transform throws. */
export function applyTransforms(
  transforms: readonly Transform[],
  record: TransformRecord,
): TransformRecord | null {
  let t: TransformRecord | null = record;
  for (const tr of transforms) {
    t = tr.apply(t);
    if (t === null) return null;
  }
  return t;
}
