import type { Category } from './report-types';

export type Side = 'left' | 'right';
export type Result = Exclude<Category, 'pending'>;

/** What one side holds for a key: its latest version. Short names: this is stored once per key. */
export interface SideState {
  /** Normalised value (canonical JSON of the compared fields). */
  n: string;
  /** Hash of the whole value, to tell a repeat from an update. */
  h: string;
  /** Version field value, when configured. */
  v?: string | number;
  /** Event time of the held version. */
  t: number;
  /** Event time of the side's first event for this key (lateness is measured between the sides' firsts). */
  f: number;
  /** Partition and offset of the held version. */
  p: number;
  o: number;
  /** Highest offset applied per partition: a redelivery after a crash is recognised and changes nothing. */
  s: Record<string, number>;
  /** Events applied on this side for this key. */
  e: number;
}

/** A business key's state, as kept in memory and in the compacted state topic. */
export interface KeyState {
  key: string;
  left: SideState | null;
  right: SideState | null;
  category: Category;
  /** The last result reported for this key, if any. */
  reported: Result | null;
  late: boolean;
  revision: number;
  duplicates: number;
  stale: number;
  /** Differing fields while in field-mismatch. */
  diffFields: string[];
  /** Bumped whenever the key's deadline changes, so older heap items are ignored (not stored). */
  gen: number;
}

/** The diff fields of every key not in field-mismatch: one shared empty list. */
export const NO_FIELDS: string[] = [];

export function newKeyState(key: string): KeyState {
  return {
    key,
    left: null,
    right: null,
    category: 'pending',
    reported: null,
    late: false,
    revision: 0,
    duplicates: 0,
    stale: 0,
    diffFields: NO_FIELDS,
    gen: 0,
  };
}

/** The state topic's record key of a business key; `m:` keys hold the reconciler's own progress. */
export const stateKey = (key: string): string => `k:${key}`;
export const WATERMARK_KEY = 'm:watermarks';

export function encodeKeyState(s: KeyState): Record<string, unknown> {
  return {
    l: s.left,
    r: s.right,
    c: s.category,
    rep: s.reported,
    late: s.late,
    rev: s.revision,
    d: s.duplicates,
    st: s.stale,
    ...(s.diffFields.length > 0 ? { df: s.diffFields } : {}),
  };
}

export function decodeKeyState(key: string, v: Record<string, unknown>): KeyState {
  return {
    key,
    left: (v['l'] as SideState | null) ?? null,
    right: (v['r'] as SideState | null) ?? null,
    category: v['c'] as Category,
    reported: (v['rep'] as Result | null) ?? null,
    late: v['late'] === true,
    revision: Number(v['rev'] ?? 0),
    duplicates: Number(v['d'] ?? 0),
    stale: Number(v['st'] ?? 0),
    diffFields: (v['df'] as string[] | undefined) ?? NO_FIELDS,
    gen: 0,
  };
}
