/**
 * The fake's documents and their versions, with Elasticsearch's write semantics for one shard: internal and
 * external versioning, delete tombstones, partial updates. No analysis, no mappings enforcement.
 */

export type Source = Record<string, unknown>;

export interface StoredDoc {
  source: Source;
  version: number;
  seqNo: number;
}

export type VersionType = 'internal' | 'external' | 'external_gte';

export class FakeIndex {
  readonly docs = new Map<string, StoredDoc>();
  /**
   * Versions of deleted documents. ES keeps these tombstones (for `index.gc_deletes`, 60s by default) so a late
   * write carrying an older external version cannot bring a deleted document back; the fake keeps them forever.
   */
  readonly deleted = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly settings: unknown = {},
    readonly mappings: unknown = {},
  ) {}

  /** The version a write is compared against: the live document's, else the tombstone's. */
  currentVersion(id: string): number | undefined {
    return this.docs.get(id)?.version ?? this.deleted.get(id);
  }
}

export interface IndexTemplate {
  index_patterns: string[];
  priority?: number;
  template?: { settings?: unknown; mappings?: unknown; aliases?: unknown };
}

/** `*` globs as ES index patterns use them. */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(name);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class FakeStore {
  readonly indices = new Map<string, FakeIndex>();
  readonly templates = new Map<string, IndexTemplate>();
  private seq = 0;

  nextSeqNo(): number {
    return this.seq++;
  }

  /** Creates an index, taking settings and mappings from the highest-priority matching template. */
  create(name: string, body: { settings?: unknown; mappings?: unknown } = {}): FakeIndex {
    let best: IndexTemplate | null = null;
    for (const t of this.templates.values()) {
      if (!t.index_patterns.some((p) => globMatch(p, name))) continue;
      if (!best || (t.priority ?? 0) > (best.priority ?? 0)) best = t;
    }
    const idx = new FakeIndex(
      name,
      body.settings ?? best?.template?.settings ?? {},
      body.mappings ?? best?.template?.mappings ?? {},
    );
    this.indices.set(name, idx);
    return idx;
  }

  /** Writes auto-create their index, as ES does with the default `action.auto_create_index`. */
  getOrCreate(name: string): FakeIndex {
    return this.indices.get(name) ?? this.create(name);
  }
}

function isPlainObject(v: unknown): v is Source {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** ES's partial-update merge: objects merge recursively, anything else (arrays, null) replaces. */
export function mergeSource(base: Source, patch: Source): Source {
  const out: Source = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? mergeSource(prev, v) : v;
  }
  return out;
}

/** Structural equality of JSON values, for `detect_noop`. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]));
  }
  return false;
}

/**
 * Whether an external version loses against the current one: `external` needs a strictly higher version,
 * `external_gte` an equal or higher one.
 */
export function versionConflicts(current: number | undefined, given: number, type: VersionType): boolean {
  if (current === undefined || type === 'internal') return false;
  return type === 'external' ? current >= given : current > given;
}
