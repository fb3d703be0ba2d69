import type { Doc, WriteAction, WriteKind } from './plan-write';

/** The operation sent for one document: one record's write, or several folded into one. */
export interface Write {
  kind: WriteKind;
  index: string;
  id: string;
  doc?: Doc;
  version?: number;
}

/** A pending write of one document and the records it stands for. */
export interface Unit {
  readonly key: string;
  /** Records folded into `write`, oldest first. */
  actions: WriteAction[];
  write: Write;
  /** Failed attempts in the current flush. */
  attempts: number;
  /** Epoch ms before which the unit is not sent again (backoff). */
  notBefore: number;
  /** Split back into single records after a rejection: nothing more is folded into it. */
  single: boolean;
}

function isObject(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Elasticsearch's partial-update merge: objects merge recursively, anything else replaces. */
export function mergeDoc(base: Doc, patch: Doc): Doc {
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? mergeDoc(prev, v) : v;
  }
  return out;
}

function writeOf(a: WriteAction): Write {
  const w: Write = { kind: a.kind, index: a.index, id: a.id };
  if (a.doc !== undefined) w.doc = a.doc;
  if (a.version !== undefined) w.version = a.version;
  return w;
}

/**
 * One write with the same final effect as `prev` followed by `next`, or null if there is none. Versioned
 * writes: the higher version wins, as in ES, where the lower one would get a 409 (`external_gte`); of equal
 * versions (one source transaction) the later wins. Unversioned: index and delete replace whatever came before; an upsert merges into it.
 */
export function fold(prev: Write, next: WriteAction): Write | null {
  if (prev.version !== undefined || next.version !== undefined) {
    if (prev.version === undefined || next.version === undefined) return null;
    return next.version >= prev.version ? writeOf(next) : prev;
  }
  if (next.kind !== 'upsert') return writeOf(next);
  const doc = next.doc ?? {};
  // An upsert after a delete creates the document from the partial doc alone: an index of it.
  if (prev.kind === 'delete') return { ...writeOf(next), kind: 'index' };
  return { ...prev, doc: mergeDoc(prev.doc ?? {}, doc) };
}

/**
 * Pending writes per document (`index` + `_id`), in record order. Only the oldest write of a document is ever
 * in flight, so an older write can never land after a newer one, even when retries reorder the bulk; later
 * records of the same document fold into the pending write instead of waiting for a bulk of their own.
 */
export class WriteQueue {
  /** Map order is first-seen order; a document's chain is dropped once it is empty. */
  private readonly chains = new Map<string, Unit[]>();
  private records = 0;

  /** Records waiting (folded records count one each). */
  get pending(): number {
    return this.records;
  }

  add(action: WriteAction): void {
    const key = `${action.index}\u0000${action.id}`;
    this.records++;
    let chain = this.chains.get(key);
    if (!chain) this.chains.set(key, (chain = []));
    const last = chain[chain.length - 1];
    const folded = last && !last.single ? fold(last.write, action) : null;
    if (last && folded) {
      last.write = folded;
      last.actions.push(action);
      return;
    }
    chain.push({ key, actions: [action], write: writeOf(action), attempts: 0, notBefore: 0, single: false });
  }

  /** The oldest pending write of each document that may be sent at `now`, at most `limit`, first-seen first. */
  ready(now: number, limit: number): Unit[] {
    const out: Unit[] = [];
    for (const chain of this.chains.values()) {
      const head = chain[0];
      if (head && head.notBefore <= now) out.push(head);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** When the next backed-off write may go, or null when nothing is pending. */
  nextReadyAt(): number | null {
    let at: number | null = null;
    for (const chain of this.chains.values()) {
      const head = chain[0];
      if (head) at = at === null ? head.notBefore : Math.min(at, head.notBefore);
    }
    return at;
  }

  /** The unit (a chain head) is acknowledged or handed to the errors policy. */
  done(unit: Unit): void {
    const chain = this.chains.get(unit.key);
    if (!chain || chain[0] !== unit)
      throw new Error('elasticsearch-sink: only the oldest write of a document completes');
    chain.shift();
    this.records -= unit.actions.length;
    if (chain.length === 0) this.chains.delete(unit.key);
  }

  /** Replaces a rejected folded unit by one unit per record, so the rejection lands on the record that causes it. */
  split(unit: Unit): void {
    const chain = this.chains.get(unit.key);
    if (!chain || chain[0] !== unit)
      throw new Error('elasticsearch-sink: only the oldest write of a document splits');
    chain.splice(
      0,
      1,
      ...unit.actions.map((a) => ({
        key: unit.key,
        actions: [a],
        write: writeOf(a),
        attempts: 0,
        notBefore: 0,
        single: true,
      })),
    );
  }

  /** A new flush starts every pending write with a fresh attempt budget. */
  resetAttempts(): void {
    for (const chain of this.chains.values()) for (const u of chain) u.attempts = 0;
  }

  clear(): void {
    this.chains.clear();
    this.records = 0;
  }
}
