import { createHash } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { canonicalJson } from '@tributary/common';
import type { OutputRecord, SinkRecord, StoredRecord } from '@tributary/connect-sdk';
import type { ReconcileConfig } from './config';
import { DeadlineHeap } from './deadline-heap';
import {
  extractKey,
  formatPath,
  normaliseKey,
  parseKeySpec,
  parsePath,
  readPath,
  type FieldPath,
  type KeySpec,
} from './key-spec';
import {
  NO_FIELDS,
  WATERMARK_KEY,
  decodeKeyState,
  encodeKeyState,
  newKeyState,
  stateKey,
  type KeyState,
  type Result,
  type Side,
  type SideState,
} from './key-state';
import { Normaliser } from './normalise';
import type { Example, FieldDiff, ReconcileDetails, ReportRecord, SideRef } from './report-types';
import { SideWatermark, type SideWatermarkState } from './side-watermark';
import { RunningTotals } from './totals';

/** A record this reconciler cannot read (no key, bad time): it goes to the connector's errors policy. */
export class UnreadableRecord extends Error {
  override readonly name = 'UnreadableRecord';
}

interface SideReader {
  topic: string;
  key: KeySpec;
  keyText: string;
  /** The key's own fields (dotted), not compared again as fields. */
  keyFields: string[];
  version: FieldPath | null;
  timestamp: FieldPath | null;
  value: FieldPath | null;
}

function reader(c: ReconcileConfig['left']): SideReader {
  const key = parseKeySpec(c.key);
  if (!key.ok) throw new Error(key.error); // the config schema rejected it already
  const spec = key.value;
  const paths = spec.kind === 'path' ? [spec.path] : spec.parts.filter((p) => typeof p !== 'string');
  return {
    topic: c.topic,
    key: spec,
    keyText: c.key,
    keyFields: paths.map((p) => p.join('.')),
    version: c.version ? parsePath(c.version) : null,
    timestamp: c.timestamp ? parsePath(c.timestamp) : null,
    value: c.value ? parsePath(c.value) : null,
  };
}

/** Orders two versions: numbers (and numeric text) by value, other text as text (ISO times sort as text). */
function compareVersions(a: string | number, b: string | number): number {
  const x = typeof a === 'number' ? a : /^-?\d+(\.\d+)?$/.test(a) ? Number(a) : NaN;
  const y = typeof b === 'number' ? b : /^-?\d+(\.\d+)?$/.test(b) ? Number(b) : NaN;
  if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  const s = String(a);
  const t = String(b);
  return s < t ? -1 : s > t ? 1 : 0;
}

const OTHER: Record<Side, Side> = { left: 'right', right: 'left' };
const MISSING: Record<Side, Result> = { left: 'missing-right', right: 'missing-left' };
const EXAMPLES = 20;

/**
 * The comparison engine, free of I/O: records go in (`apply`), results come out (`drain`) as report records
 * and state records for the compacted state topic. Time is event time: each side's watermark decides when a
 * key waited long enough (`window`), so the results depend on what the services wrote and when they said it
 * happened, not on when the worker got to read it; a restart, a backlog or a slow partition change nothing.
 */
export class Reconciler {
  private readonly keys = new Map<string, KeyState>();
  private readonly readers: Record<Side, SideReader>;
  private readonly watermarks: Record<Side, SideWatermark>;
  /** Keys waiting for the right side (left only), the left side (right only), or both to converge. */
  private readonly waiting = {
    right: new DeadlineHeap(),
    left: new DeadlineHeap(),
    both: new DeadlineHeap(),
  };
  private readonly totals = new RunningTotals();
  private readonly normaliser: Normaliser;
  private readonly dirty = new Set<KeyState>();
  private reports: OutputRecord[] = [];
  private examplesCache: { at: number; value: ReconcileDetails['examples'] } | null = null;

  constructor(
    private readonly name: string,
    private readonly config: ReconcileConfig,
    readonly reportTopic: string,
    readonly stateTopic: string,
    now: number,
  ) {
    this.readers = { left: reader(config.left), right: reader(config.right) };
    this.watermarks = {
      left: new SideWatermark(config.idle, now),
      right: new SideWatermark(config.idle, now),
    };
    this.normaliser = new Normaliser(config.fields);
  }

  /** Which side a topic feeds, or null for a topic this reconciler does not read. */
  sideOf(topic: string): Side | null {
    return topic === this.readers.left.topic ? 'left' : topic === this.readers.right.topic ? 'right' : null;
  }

  topicOf(side: Side): string {
    return this.readers[side].topic;
  }

  knowsPartitions(side: Side): boolean {
    return this.watermarks[side].known;
  }

  setPartitions(side: Side, n: number): void {
    this.watermarks[side].setPartitions(n);
  }

  /** Loads one record of the state topic (in offset order; the latest record of a key wins). */
  restore(r: StoredRecord): void {
    if (r.key === WATERMARK_KEY) {
      const v = r.value as Record<Side, SideWatermarkState> | null;
      if (v) for (const side of ['left', 'right'] as const) this.watermarks[side].restore(v[side]);
      return;
    }
    if (!r.key?.startsWith('k:')) return;
    const key = r.key.slice(2);
    const old = this.keys.get(key);
    if (old) {
      this.totals.remove(old);
      this.keys.delete(key);
    }
    if (r.value === null) return;
    const s = decodeKeyState(key, r.value as Record<string, unknown>);
    if (s.left && s.right && s.left.n === s.right.n) s.right.n = s.left.n;
    this.keys.set(key, s);
    this.totals.add(s);
  }

  /** After `restore`: re-arms the deadlines of the keys still pending. */
  restored(): void {
    for (const s of this.keys.values()) if (s.category === 'pending') this.schedule(s);
  }

  /**
   * Applies one record of either side. Returns false for a redelivery the state already holds. Throws
   * UnreadableRecord for a record without a key or event time.
   */
  apply(side: Side, r: SinkRecord, now: number): boolean {
    const rd = this.readers[side];
    const where = `${side} record ${r.topic}/${r.partition}@${r.offset}`;
    if (r.value === null) return false; // a tombstone carries no business fields to compare
    if (typeof r.value !== 'object' || Array.isArray(r.value) || Buffer.isBuffer(r.value)) {
      throw new UnreadableRecord(
        `${where} is not a JSON object; reconcile compares JSON objects (check the converter)`,
      );
    }
    const raw = extractKey(rd.key, r.value);
    if (raw === null) throw new UnreadableRecord(`${where} has no business key at "${rd.keyText}"`);
    const ts = this.eventTime(rd, r, where);
    let version: string | number | undefined;
    if (rd.version) {
      const v = readPath(r.value, rd.version);
      if (typeof v !== 'string' && typeof v !== 'number') {
        throw new UnreadableRecord(
          `${where} has no version at "${formatPath(rd.version)}" (a number or text)`,
        );
      }
      version = v;
    }
    const key = normaliseKey(raw, this.config.keys);
    this.watermarks[side].observe(r.partition, ts, now);

    let s = this.keys.get(key);
    if (!s) {
      s = newKeyState(key);
      this.keys.set(key, s);
      this.totals.add(s);
    }
    const held = s[side];
    const applied = held?.s[r.partition];
    if (applied !== undefined && r.offset <= applied) {
      this.advance(now);
      return false;
    }
    const compared = rd.value ? readPath(r.value, rd.value) : r.value;
    // Key fields are compared through the key already (after normalisation); with `value` they lie outside it.
    const n = this.normaliser.normalise(side, compared ?? {}, rd.value ? [] : rd.keyFields);
    const h = createHash('sha1').update(canonicalJson(r.value)).digest('base64').slice(0, 16);
    const next: SideState = {
      n,
      h,
      ...(version !== undefined ? { v: version } : {}),
      t: ts,
      f: held?.f ?? ts,
      p: r.partition,
      o: r.offset,
      s: { ...held?.s, [r.partition]: r.offset },
      e: (held?.e ?? 0) + 1,
    };
    const state = s;
    this.change(state, () => {
      if (!held) {
        state[side] = next;
        return;
      }
      const order = version !== undefined && held.v !== undefined ? compareVersions(version, held.v) : null;
      const repeat = h === held.h && (order === null || order === 0);
      const older = order !== null ? order < 0 : r.partition !== held.p && ts < held.t;
      if (repeat || older) {
        // Keep the held version; only note the offset (replay guard) and count the event.
        state[side] = { ...held, s: next.s, e: next.e };
        if (repeat) {
          state.duplicates++;
          this.report(state, 'duplicate', ts, { side, ref: this.ref(side, next) });
        } else state.stale++;
        return;
      }
      state[side] = next;
    });
    if (state[side] === next) {
      // Equal normalised values (the common case) share one string: about a third of a key's memory.
      const other = state[OTHER[side]];
      if (other && other.n === next.n) next.n = other.n;
      this.evaluate(state);
    }
    this.advance(now);
    return true;
  }

  /** Recomputes both watermarks (idle partitions included) and resolves every key whose wait is over. */
  advance(now: number): void {
    // Every heap is checked, not only those whose watermark moved: a key first seen after the other side's
    // watermark already passed its deadline (its side was read late) is due at once.
    this.watermarks.left.update(now);
    this.watermarks.right.update(now);
    const l = this.watermarks.left.value;
    const r = this.watermarks.right.value;
    this.expire(this.waiting.right, r, 'left');
    this.expire(this.waiting.left, l, 'right');
    this.expire(this.waiting.both, Math.min(l, r), null);
  }

  /** Reports and changed key states since the last drain, reports first, then the watermarks. */
  drain(): OutputRecord[] {
    const out = this.reports;
    this.reports = [];
    for (const s of this.dirty)
      out.push({ topic: this.stateTopic, key: stateKey(s.key), value: encodeKeyState(s) });
    this.dirty.clear();
    if (out.length > 0) {
      out.push({
        topic: this.stateTopic,
        key: WATERMARK_KEY,
        value: { left: this.watermarks.left.save(), right: this.watermarks.right.save() },
      });
    }
    return out;
  }

  get pendingOutput(): number {
    return this.reports.length + this.dirty.size;
  }

  details(now: number): ReconcileDetails {
    const wm = (side: Side) => {
      const v = this.watermarks[side].value;
      return Number.isFinite(v) ? new Date(v).toISOString() : null;
    };
    if (!this.examplesCache || now - this.examplesCache.at > 1000) {
      this.examplesCache = { at: now, value: this.examples() };
    }
    return {
      kind: 'reconcile',
      windowMs: this.config.window,
      left: { topic: this.readers.left.topic, watermark: wm('left'), events: this.totals.events.left },
      right: { topic: this.readers.right.topic, watermark: wm('right'), events: this.totals.events.right },
      totals: this.totals.totals(),
      rates: this.totals.rates(),
      topFields: this.totals.topFields(),
      examples: this.examplesCache.value,
      reportTopic: this.reportTopic,
      stateTopic: this.stateTopic,
      ...this.warnings(),
    };
  }

  /** Every key stays in memory (about 1.2 KB each): say so before the worker's heap runs out. */
  private warnings(): { warnings?: string[] } {
    const heap = getHeapStatistics();
    if (heap.used_heap_size < 0.8 * heap.heap_size_limit) return {};
    const mb = (n: number) => Math.round(n / 1048576);
    return {
      warnings: [
        `the worker heap is ${Math.round((100 * heap.used_heap_size) / heap.heap_size_limit)}% full ` +
          `(${mb(heap.used_heap_size)} of ${mb(heap.heap_size_limit)} MB) with ${this.keys.size} keys in memory ` +
          '(about 1.2 KB each); raise TRIBUTARY_CONNECT_HEAP_MB before it runs out',
      ],
    };
  }

  private eventTime(rd: SideReader, r: SinkRecord, where: string): number {
    if (!rd.timestamp) return r.timestamp;
    const v = readPath(r.value, rd.timestamp);
    const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(ms)) {
      throw new UnreadableRecord(
        `${where} has no event time at "${formatPath(rd.timestamp)}" (ISO-8601 text or epoch milliseconds)`,
      );
    }
    return ms;
  }

  /** Decides a key after one of its sides changed. */
  private evaluate(s: KeyState): void {
    const { left: l, right: r } = s;
    const window = this.config.window;
    if (!l || !r) {
      // Still one-sided: a key already reported missing stays so; otherwise it waits for its counterpart.
      if (s.category === 'pending') this.schedule(s);
      return;
    }
    if (!s.late && Math.abs(l.f - r.f) > window) {
      // The counterpart came after the window: the key was missing for a while, whatever order the worker read
      // the two sides in. Report that first (if an expiry did not already), then the correction below.
      if (s.reported !== 'missing-right' && s.reported !== 'missing-left') {
        const first: Side = l.f <= r.f ? 'left' : 'right';
        this.resolve(s, MISSING[first], Math.min(l.f, r.f) + window);
      }
      this.change(s, () => (s.late = true));
    }
    const diff = this.normaliser.diff(l.n, r.n);
    const at = Math.max(l.t, r.t);
    if (diff.length === 0) this.resolve(s, 'matched', at);
    else if (l.v !== undefined && r.v !== undefined && compareVersions(l.v, r.v) === 0) {
      // Both sides claim the same version and disagree: no later event can fix that.
      this.resolve(s, 'field-mismatch', at, diff);
    } else {
      // Different versions (or none configured): the lagging side may still catch up within the window.
      this.change(s, () => (s.category = 'pending'));
      this.schedule(s);
    }
  }

  private schedule(s: KeyState): void {
    s.gen++;
    const window = this.config.window;
    const { left: l, right: r } = s;
    if (l && r) this.waiting.both.push({ at: Math.max(l.t, r.t) + window, key: s.key, gen: s.gen });
    else if (l) this.waiting.right.push({ at: l.f + window, key: s.key, gen: s.gen });
    else if (r) this.waiting.left.push({ at: r.f + window, key: s.key, gen: s.gen });
  }

  /** Resolves the keys whose deadline the watermark passed. `present` is the side a one-sided key has. */
  private expire(heap: DeadlineHeap, watermark: number, present: Side | null): void {
    for (let d = heap.popBefore(watermark); d; d = heap.popBefore(watermark)) {
      const s = this.keys.get(d.key);
      if (!s || s.gen !== d.gen || s.category !== 'pending') continue;
      if (present === null) {
        if (s.left && s.right)
          this.resolve(s, 'field-mismatch', d.at, this.normaliser.diff(s.left.n, s.right.n));
      } else if (s[present] && !s[OTHER[present]]) {
        this.resolve(s, MISSING[present], d.at);
      }
    }
  }

  /** Sets a key's result, and reports it when it differs from the last one reported. */
  private resolve(s: KeyState, result: Result, at: number, diff: FieldDiff[] = []): void {
    const fields = diff.map((d) => d.field);
    const previous = s.reported;
    const same = previous === result && fields.join('\n') === s.diffFields.join('\n');
    this.change(s, () => {
      s.gen++;
      s.category = result;
      s.diffFields = result === 'field-mismatch' ? fields : NO_FIELDS;
      s.reported = result;
    });
    if (!same) this.report(s, result, at, { previous, diff });
  }

  private report(
    s: KeyState,
    category: ReportRecord['category'],
    at: number,
    extra: { previous?: Result | null; diff?: FieldDiff[]; side?: Side; ref?: SideRef },
  ): void {
    this.change(s, () => s.revision++);
    const rec: ReportRecord = {
      reconciler: this.name,
      key: s.key,
      category,
      late: s.late,
      revision: s.revision,
      ...(extra.previous ? { previous: extra.previous } : {}),
      ...(extra.side ? { side: extra.side } : {}),
      ...(s.left ? { left: extra.side === 'left' && extra.ref ? extra.ref : this.ref('left', s.left) } : {}),
      ...(s.right
        ? { right: extra.side === 'right' && extra.ref ? extra.ref : this.ref('right', s.right) }
        : {}),
      ...(extra.diff && extra.diff.length > 0 ? { diff: extra.diff } : {}),
      at: new Date(at).toISOString(),
    };
    this.reports.push({ topic: this.reportTopic, key: s.key, value: rec, timestamp: at });
  }

  private ref(side: Side, st: SideState): SideRef {
    return {
      topic: this.readers[side].topic,
      partition: st.p,
      offset: st.o,
      timestamp: new Date(st.t).toISOString(),
      ...(st.v !== undefined ? { version: st.v } : {}),
    };
  }

  /** Every change to a key goes through here, so the totals and the dirty set follow it. */
  private change(s: KeyState, fn: () => void): void {
    this.totals.remove(s);
    fn();
    this.totals.add(s);
    this.dirty.add(s);
  }

  private examples(): ReconcileDetails['examples'] {
    const out: ReconcileDetails['examples'] = {
      fieldMismatch: [],
      missingRight: [],
      missingLeft: [],
      late: [],
    };
    const want = (list: Example[]) => list.length < EXAMPLES;
    for (const s of this.keys.values()) {
      if (s.category === 'pending') continue;
      const list =
        s.category === 'field-mismatch'
          ? out.fieldMismatch
          : s.category === 'missing-right'
            ? out.missingRight
            : s.category === 'missing-left'
              ? out.missingLeft
              : null;
      const lateWanted = s.late && want(out.late);
      if (!(list && want(list)) && !lateWanted) continue;
      const ex: Example = {
        key: s.key,
        category: s.category,
        late: s.late,
        ...(s.left ? { left: this.ref('left', s.left) } : {}),
        ...(s.right ? { right: this.ref('right', s.right) } : {}),
        ...(s.category === 'field-mismatch' && s.left && s.right
          ? { diff: this.normaliser.diff(s.left.n, s.right.n) }
          : {}),
      };
      if (list && want(list)) list.push(ex);
      if (lateWanted) out.late.push(ex);
      if (!want(out.fieldMismatch) && !want(out.missingRight) && !want(out.missingLeft) && !want(out.late))
        break;
    }
    return out;
  }
}
