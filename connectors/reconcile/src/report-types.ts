/**
 * What the reconciler reports, in one place: the JSON records on the report topic, the live details under
 * `GET /connectors/{name}/status` (tasks[0].details) and what `tributary reconcile` reads from there.
 */

/** Where a key stands. `pending` is not a result: the key waits inside the lateness window. */
export type Category = 'pending' | 'matched' | 'missing-right' | 'missing-left' | 'field-mismatch';

/**
 * Running totals. Keys are counted once, in their current category; `late` counts keys too (they are also in
 * their category); `duplicate` and `stale` count events.
 */
export interface Totals {
  /** Keys waiting inside the window (one side only, or sides that differ but may still converge). */
  pending: number;
  matched: number;
  /** Keys seen on the left only, past the window. */
  missingRight: number;
  /** Keys seen on the right only, past the window. */
  missingLeft: number;
  /** Keys whose latest versions differ, past the window. */
  fieldMismatch: number;
  /** Events that repeat the version a side already holds (at-least-once redelivery upstream). */
  duplicate: number;
  /** Keys whose counterpart arrived more than the window after the first side (reported missing, then corrected). */
  late: number;
  /** Events older than the version a side already holds (ignored). */
  stale: number;
  /** Distinct business keys seen. */
  keys: number;
}

export interface Rates {
  /** Keys with a result: exactly matched + missingRight + missingLeft + fieldMismatch. */
  compared: number;
  /** matched / compared (0 when nothing was compared). */
  matchRate: number;
  /** (missingRight + missingLeft + fieldMismatch) / compared (0 when nothing was compared). */
  mismatchRate: number;
}

/** One differing field, named as on the right side (after `fields.map`); an absent side is omitted. */
export interface FieldDiff {
  field: string;
  left?: unknown;
  right?: unknown;
}

/** The record a result came from. */
export interface SideRef {
  topic: string;
  partition: number;
  offset: number;
  /** Event time, ISO-8601. */
  timestamp: string;
  /** The version field's value when `version` is configured. */
  version?: string | number;
}

/** One record on the report topic (JSON value; the record key is the normalised business key). */
export interface ReportRecord {
  reconciler: string;
  key: string;
  /** `duplicate` records report a repeated event; the others report the key's new result. */
  category: Exclude<Category, 'pending'> | 'duplicate';
  /** The counterpart came more than the window after the first side. */
  late: boolean;
  /**
   * Grows with every result reported for this key. After a crash, results not yet saved with the key's state
   * are written again, so a key's last record (by offset) is the one that holds.
   */
  revision: number;
  /** The result this record replaces (e.g. `missing-right` when a late order arrived), if any. */
  previous?: Exclude<Category, 'pending'>;
  /** For `duplicate`: which side repeated itself. */
  side?: 'left' | 'right';
  left?: SideRef;
  right?: SideRef;
  /** For `field-mismatch`: every differing field. */
  diff?: FieldDiff[];
  /** Event time at which the result was decided, ISO-8601. */
  at: string;
}

export interface Example {
  key: string;
  category: Exclude<Category, 'pending'>;
  late: boolean;
  left?: SideRef;
  right?: SideRef;
  diff?: FieldDiff[];
}

export interface SideStatus {
  topic: string;
  /** Event-time watermark of this side (ISO-8601), null before its first record. */
  watermark: string | null;
  /** Records consumed from this side since the state began (replays after a crash not counted twice). */
  events: number;
}

/** `tasks[0].details` of a reconcile connector's status. */
export interface ReconcileDetails {
  kind: 'reconcile';
  windowMs: number;
  left: SideStatus;
  right: SideStatus;
  totals: Totals;
  rates: Rates;
  /** Fields of the keys now in field-mismatch, most frequent first. */
  topFields: { field: string; count: number }[];
  /** Up to 20 keys per result (and 20 late keys). */
  examples: {
    fieldMismatch: Example[];
    missingRight: Example[];
    missingLeft: Example[];
    late: Example[];
  };
  reportTopic: string;
  stateTopic: string;
  /** Conditions an operator should act on, e.g. a heap nearly full of keys; absent when there are none. */
  warnings?: string[];
}
