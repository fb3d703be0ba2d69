import { checkHistory, type HistoryMessage } from '../history';
import type { HistoryOp, OffsetsOp, ReadMessage, ReadOp, SendOp } from './history-recorder';

/**
 * Checkers over a recorded history (pure functions). Each returns a verdict with counts and the first examples.
 * Ops are paired by `ref`: an invoke with no completion is treated like `info` (outcome unknown).
 */
export interface Verdict {
  checker: string;
  ok: boolean;
  counts: Record<string, number>;
  /** The first few problems, one line each. */
  examples: string[];
}

const MAX_EXAMPLES = 5;

interface Paired<T extends HistoryOp> {
  invoke: T;
  /** The completion, or null when the op never completed. */
  done: T | null;
  outcome: 'ok' | 'fail' | 'info';
}

function paired<F extends HistoryOp['f']>(
  history: readonly HistoryOp[],
  f: F,
): Paired<Extract<HistoryOp, { f: F }>>[] {
  type Op = Extract<HistoryOp, { f: F }>;
  const done = new Map<number, Op>();
  for (const op of history) if (op.f === f && op.type !== 'invoke') done.set(op.ref, op as Op);
  const out: Paired<Op>[] = [];
  for (const op of history) {
    if (op.f !== f || op.type !== 'invoke') continue;
    const d = done.get(op.index) ?? null;
    const outcome = d === null || d.type === 'info' ? 'info' : d.type === 'ok' ? 'ok' : 'fail';
    out.push({ invoke: op as Op, done: d, outcome });
  }
  return out;
}

const okReads = (history: readonly HistoryOp[], f: 'poll' | 'read'): ReadOp[] =>
  paired(history, f).flatMap((p) => (p.outcome === 'ok' ? [p.done!] : []));

const where = (topic: string, partition: number, offset?: number): string =>
  `${topic}/${partition}${offset !== undefined ? `@${offset}` : ''}`;

function verdict(checker: string, counts: Record<string, number>, problems: string[], bad: number): Verdict {
  return { checker, ok: bad === 0, counts, examples: problems.slice(0, MAX_EXAMPLES) };
}

/** Values seen by the final full reads, per topic. */
function finalReadIndex(history: readonly HistoryOp[]): Map<string, Map<string, ReadMessage>> | null {
  const reads = okReads(history, 'read');
  if (reads.length === 0) return null;
  const byTopic = new Map<string, Map<string, ReadMessage>>();
  for (const r of reads) {
    const m = byTopic.get(r.topic) ?? new Map<string, ReadMessage>();
    for (const msg of r.messages) if (msg.value !== null && !m.has(msg.value)) m.set(msg.value, msg);
    byTopic.set(r.topic, m);
  }
  return byTopic;
}

/**
 * Lost writes (C1/C2): every acknowledged send must be in the final full read. Also reports `unexpected` values:
 * read but never sent, or sent and definitely failed. Built on `checkHistory`, once per producing process.
 */
export function checkLostWrites(history: readonly HistoryOp[]): Verdict {
  const name = 'lost-writes';
  const finals = finalReadIndex(history);
  if (finals === null) {
    return verdict(
      name,
      { finalReads: 0 },
      ['no successful final read in the history: cannot tell what survived'],
      1,
    );
  }
  const sends = paired(history, 'send');
  const sentValues = new Set(sends.map((s) => `${s.invoke.topic}\0${s.invoke.value}`));
  const byProcess = new Map<string, Paired<SendOp>[]>();
  for (const s of sends) byProcess.set(s.invoke.process, [...(byProcess.get(s.invoke.process) ?? []), s]);

  const problems: string[] = [];
  let lost = 0;
  let unexpected = 0;
  let maybeSeen = 0;
  const toMessage = (op: SendOp, partition = op.partition): HistoryMessage => ({
    partition,
    key: null,
    value: op.value,
  });
  for (const [proc, list] of byProcess) {
    for (const topic of new Set(list.map((s) => s.invoke.topic))) {
      const mine = list
        .filter((s) => s.invoke.topic === topic)
        .sort((a, b) => a.invoke.index - b.invoke.index);
      const values = new Set(mine.map((s) => s.invoke.value));
      const consumed = [...(finals.get(topic)?.values() ?? [])]
        .filter((m) => m.value !== null && values.has(m.value))
        .sort((a, b) => a.partition - b.partition || a.offset - b.offset)
        .map((m) => ({ partition: m.partition, key: null, value: m.value, offset: m.offset }));
      const maybe = mine.filter((s) => s.outcome === 'info').map((s) => toMessage(s.invoke));
      const report = checkHistory(
        mine.filter((s) => s.outcome === 'ok').map((s) => toMessage(s.invoke, s.done!.partition)),
        consumed,
        { idOf: (m) => m.value ?? '', maybe },
      );
      const maybeValues = new Set(maybe.map((m) => m.value));
      maybeSeen += consumed.filter((m) => maybeValues.has(m.value)).length;
      lost += report.lost.length;
      unexpected += report.unexpected.length;
      for (const m of report.lost)
        problems.push(
          `lost: ${proc} acknowledged ${m.value} on ${where(topic, m.partition)}, not in the final read`,
        );
      for (const m of report.unexpected)
        problems.push(
          `unexpected: ${m.value} at ${where(topic, m.partition, m.offset)} was read but its send failed`,
        );
    }
  }
  // Values no process ever sent (corruption, or another run's data).
  for (const [topic, msgs] of finals) {
    for (const m of msgs.values()) {
      if (m.value !== null && !sentValues.has(`${topic}\0${m.value}`)) {
        unexpected++;
        problems.push(
          `unexpected: ${JSON.stringify(m.value)} at ${where(topic, m.partition, m.offset)} was never sent`,
        );
      }
    }
  }
  const acknowledged = sends.filter((s) => s.outcome === 'ok').length;
  const counts = {
    acknowledged,
    unknown: sends.filter((s) => s.outcome === 'info').length,
    failed: sends.filter((s) => s.outcome === 'fail').length,
    unknownButPresent: maybeSeen,
    lost,
    unexpected,
  };
  return verdict(name, counts, problems, lost + unexpected);
}

/** Every place (topic/partition@offset) each value was seen: acknowledged sends with an offset, polls, final reads. */
function sightings(
  history: readonly HistoryOp[],
): { topic: string; partition: number; offset: number; value: string | null }[] {
  const out: { topic: string; partition: number; offset: number; value: string | null }[] = [];
  for (const s of paired(history, 'send')) {
    if (s.outcome === 'ok' && s.done!.offset !== undefined)
      out.push({
        topic: s.invoke.topic,
        partition: s.done!.partition,
        offset: s.done!.offset,
        value: s.invoke.value,
      });
  }
  for (const r of [...okReads(history, 'poll'), ...okReads(history, 'read')])
    for (const m of r.messages) out.push({ topic: r.topic, ...m });
  return out;
}

/** Duplicates (C3): one value stored at more than one offset. With idempotent producers there must be none. */
export function checkDuplicates(history: readonly HistoryOp[]): Verdict {
  const places = new Map<string, Set<string>>();
  for (const s of sightings(history)) {
    if (s.value === null) continue;
    const k = `${s.topic}\0${s.value}`;
    const set = places.get(k) ?? new Set<string>();
    set.add(where(s.topic, s.partition, s.offset));
    places.set(k, set);
  }
  const problems: string[] = [];
  for (const [k, set] of places)
    if (set.size > 1) problems.push(`duplicate: ${k.split('\0')[1]} at ${[...set].sort().join(', ')}`);
  return verdict(
    'duplicates',
    { values: places.size, duplicated: problems.length },
    problems,
    problems.length,
  );
}

/** Inconsistent offsets (C4): one offset seen with two different values (by acks, polls or reads). */
export function checkInconsistentOffsets(history: readonly HistoryOp[]): Verdict {
  const values = new Map<string, Set<string>>();
  for (const s of sightings(history)) {
    const k = where(s.topic, s.partition, s.offset);
    const set = values.get(k) ?? new Set<string>();
    set.add(JSON.stringify(s.value));
    values.set(k, set);
  }
  const problems: string[] = [];
  for (const [k, set] of values)
    if (set.size > 1) problems.push(`inconsistent: ${k} seen as ${[...set].join(' and ')}`);
  return verdict(
    'inconsistent-offsets',
    { offsets: values.size, inconsistent: problems.length },
    problems,
    problems.length,
  );
}

/**
 * Per-partition order (C5, nonmonotonic-send): for each producing process, its acknowledged sends to one partition,
 * in the order they were invoked, must have strictly increasing offsets. The offset comes from the ack, or from
 * the final read when the ack carried none.
 */
export function checkSendOrder(history: readonly HistoryOp[]): Verdict {
  const finals = finalReadIndex(history);
  const groups = new Map<string, { value: string; offset: number }[]>();
  for (const s of paired(history, 'send')) {
    if (s.outcome !== 'ok') continue;
    const offset = s.done!.offset ?? finals?.get(s.invoke.topic)?.get(s.invoke.value)?.offset;
    if (offset === undefined) continue;
    const k = `${s.invoke.process} on ${where(s.invoke.topic, s.done!.partition)}`;
    groups.set(k, [...(groups.get(k) ?? []), { value: s.invoke.value, offset }]);
  }
  const problems: string[] = [];
  let pairs = 0;
  for (const [k, list] of groups) {
    for (let i = 1; i < list.length; i++) {
      pairs++;
      const a = list[i - 1]!;
      const b = list[i]!;
      if (b.offset <= a.offset)
        problems.push(
          `nonmonotonic: ${k}: ${b.value} sent after ${a.value} but stored at ${b.offset} <= ${a.offset}`,
        );
    }
  }
  return verdict(
    'send-order',
    { sequences: groups.size, pairs, nonmonotonic: problems.length },
    problems,
    problems.length,
  );
}

/**
 * Committed group offsets (C6). Each committed offset read back (`fetch-offsets`) must not be older than the
 * last commit acknowledged before the read began, unless it is the value of a commit that may have landed after
 * that one (overlapping, unknown outcome, or acknowledged later). Values nobody committed are `unexplained`.
 * Commits and read-back offsets may not exceed the partition's end in the final read (`beyondEnd`).
 */
export function checkCommittedOffsets(history: readonly HistoryOp[]): Verdict {
  interface Commit {
    value: number;
    invoked: number;
    /** Completion time when acknowledged; Infinity when unknown (it may land at any time). */
    acked: number;
    ok: boolean;
  }
  const key = (op: OffsetsOp, partition: number): string => `${op.group} ${where(op.topic, partition)}`;
  const commits = new Map<string, Commit[]>();
  for (const c of paired(history, 'commit')) {
    if (c.outcome === 'fail') continue;
    for (const o of c.invoke.offsets) {
      const list = commits.get(key(c.invoke, o.partition)) ?? [];
      list.push({
        value: o.offset,
        invoked: c.invoke.time,
        acked: c.outcome === 'ok' ? c.done!.time : Infinity,
        ok: c.outcome === 'ok',
      });
      commits.set(key(c.invoke, o.partition), list);
    }
  }
  const ends = new Map<string, number>();
  for (const r of okReads(history, 'read'))
    for (const m of r.messages) {
      const k = where(r.topic, m.partition);
      ends.set(k, Math.max(ends.get(k) ?? 0, m.offset + 1));
    }
  const haveFinal = okReads(history, 'read').length > 0;

  const problems: string[] = [];
  let regressed = 0;
  let unexplained = 0;
  let beyondEnd = 0;
  let reads = 0;
  const checkEnd = (topic: string, partition: number, value: number, what: string): void => {
    if (!haveFinal) return;
    const end = ends.get(where(topic, partition)) ?? 0;
    if (value > end) {
      beyondEnd++;
      problems.push(`beyond end: ${what} ${value} on ${where(topic, partition)} but the log ends at ${end}`);
    }
  };
  for (const c of paired(history, 'commit'))
    if (c.outcome === 'ok')
      for (const o of c.invoke.offsets)
        checkEnd(c.invoke.topic, o.partition, o.offset, `${c.invoke.process} committed`);

  for (const r of paired(history, 'fetch-offsets')) {
    if (r.outcome !== 'ok') continue;
    const invoked = r.invoke.time;
    const completed = r.done!.time;
    for (const o of r.done!.offsets) {
      reads++;
      const list = commits.get(key(r.invoke, o.partition)) ?? [];
      let floor: Commit | null = null;
      for (const c of list)
        if (c.ok && c.acked < invoked && (floor === null || c.acked > floor.acked)) floor = c;
      const allowed = new Set<number>();
      for (const c of list)
        if (c.invoked < completed && (floor === null || c.acked > floor.invoked)) allowed.add(c.value);
      if (floor === null) allowed.add(-1);
      checkEnd(r.invoke.topic, o.partition, o.offset, 'committed offset read back as');
      if (allowed.has(o.offset)) continue;
      const at = `${key(r.invoke, o.partition)} read back ${o.offset} at ${invoked.toFixed(0)} ms`;
      if (floor !== null && o.offset < floor.value) {
        regressed++;
        problems.push(
          `regressed: ${at}, but ${floor.value} was acknowledged at ${floor.acked.toFixed(0)} ms`,
        );
      } else {
        unexplained++;
        problems.push(
          `unexplained: ${at}, a value no commit could have left there (allowed: ${[...allowed].join(', ')})`,
        );
      }
    }
  }
  const total = [...commits.values()].reduce((n, l) => n + l.length, 0);
  return verdict(
    'committed-offsets',
    { commits: total, reads, regressed, unexplained, beyondEnd },
    problems,
    regressed + unexplained + beyondEnd,
  );
}

export const CHECKERS = {
  'lost-writes': checkLostWrites,
  duplicates: checkDuplicates,
  'inconsistent-offsets': checkInconsistentOffsets,
  'send-order': checkSendOrder,
  'committed-offsets': checkCommittedOffsets,
} as const;

export function runCheckers(history: readonly HistoryOp[]): Verdict[] {
  return Object.values(CHECKERS).map((check) => check(history));
}

/** A plain-text table of verdicts, then the examples of the failing ones. */
export function formatVerdicts(verdicts: readonly Verdict[]): string {
  const rows = verdicts.map((v) => [
    v.checker,
    v.ok ? 'PASS' : 'FAIL',
    Object.entries(v.counts)
      .map(([k, n]) => `${k}=${n}`)
      .join(' '),
  ]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length), i === 0 ? 7 : 7));
  const line = (r: string[]): string => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`;
  const out = [line(['checker', 'verdict', 'counts']), ...rows.map(line)];
  for (const v of verdicts) if (!v.ok) for (const e of v.examples) out.push(`  ${v.checker}: ${e}`);
  return out.join('\n');
}
