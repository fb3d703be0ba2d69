import { checkHistory, type HistoryMessage } from '../history';
import type {
  FaultOp,
  HistoryOp,
  MetadataOp,
  MetadataPartition,
  OffsetsOp,
  ReadMessage,
  ReadOp,
  SendOp,
} from './history-recorder';

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

/** What the checkers must know about the system under test that the history does not say. */
export interface ClusterFacts {
  /** Names (as in fault ops) of the nodes holding a replica of every partition of the workload topic. */
  replicaNodes: readonly string[];
  /** The topic's min.insync.replicas. */
  minInsyncReplicas: number;
}

/** A single broker: one replica, min.insync.replicas 1. */
export const SINGLE_NODE_FACTS: ClusterFacts = { replicaNodes: ['broker-0'], minInsyncReplicas: 1 };

export interface Window {
  from: number;
  /** Infinity when it never closed. */
  to: number;
}

/**
 * Time windows during which `isDown(downNodes)` held, from the nemesis ops on `nodes`: a node is down from the
 * completion of its `kill9` or `pause` until its `restart` or `resume` is invoked (so a window never includes a
 * moment a node may already have been back).
 */
export function downWindows(
  history: readonly HistoryOp[],
  nodes: readonly string[],
  isDown: (down: ReadonlySet<string>) => boolean,
): Window[] {
  const down = new Set<string>();
  const windows: Window[] = [];
  let open: number | null = null;
  for (const op of history) {
    if (op.f !== 'fault' || !nodes.includes(op.node)) continue;
    const f = op as FaultOp;
    if ((f.fault === 'kill9' || f.fault === 'pause') && f.type === 'ok') down.add(f.node);
    else if ((f.fault === 'restart' || f.fault === 'resume') && f.type === 'invoke') down.delete(f.node);
    else continue;
    const now = isDown(down);
    if (now && open === null) open = f.time;
    if (!now && open !== null) {
      windows.push({ from: open, to: f.time });
      open = null;
    }
  }
  if (open !== null) windows.push({ from: open, to: Infinity });
  return windows;
}

const NOT_ENOUGH_REPLICAS = /NOT_ENOUGH_REPLICAS|in-sync replicas/i;

/**
 * Acknowledgements with too few replicas alive (F2). While fewer than min.insync.replicas replicas were up
 * (killed or stopped), a send invoked inside that window cannot have reached min.insync.replicas copies, so it
 * must not be acknowledged inside it (`ackedUnderMinIsr`: acks=all said ok with too few copies). Acks that
 * arrive inside a window for sends invoked before it are legitimate (the copies were made before the nodes went
 * down) and must survive: `lateAcksLost` counts those missing from the final read. Also counts how the sends
 * inside the windows ended and how many errors named NOT_ENOUGH_REPLICAS(_AFTER_APPEND).
 */
export function checkMinIsrAcks(history: readonly HistoryOp[], facts: ClusterFacts): Verdict {
  const total = facts.replicaNodes.length;
  const windows = downWindows(
    history,
    facts.replicaNodes,
    (down) => total - down.size < facts.minInsyncReplicas,
  );
  const inside = (t: number): Window | undefined => windows.find((w) => t >= w.from && t < w.to);
  const finals = finalReadIndex(history);
  const problems: string[] = [];
  let sendsInWindow = 0;
  let ackedUnderMinIsr = 0;
  let refused = 0;
  let unknown = 0;
  let notEnoughReplicas = 0;
  let lateAcks = 0;
  let lateAcksLost = 0;
  for (const s of paired(history, 'send')) {
    const err = s.done?.error ?? '';
    const w = inside(s.invoke.time);
    if (w) {
      sendsInWindow++;
      if (NOT_ENOUGH_REPLICAS.test(err)) notEnoughReplicas++;
      if (s.outcome === 'fail') refused++;
      else if (s.outcome === 'info') unknown++;
      else if (s.done!.time < w.to) {
        ackedUnderMinIsr++;
        problems.push(
          `acked under min ISR: ${s.invoke.process} sent ${s.invoke.value} at ${s.invoke.time.toFixed(0)} ms, ` +
            `acknowledged at ${s.done!.time.toFixed(0)} ms while fewer than ${facts.minInsyncReplicas} of ` +
            `${total} replicas were up (${w.from.toFixed(0)}-${w.to.toFixed(0)} ms)`,
        );
      }
      continue;
    }
    if (s.outcome === 'ok' && inside(s.done!.time)) {
      lateAcks++;
      if (finals !== null && !finals.get(s.invoke.topic)?.has(s.invoke.value)) {
        lateAcksLost++;
        problems.push(
          `lost: ${s.invoke.value} was acknowledged at ${s.done!.time.toFixed(0)} ms while fewer than ` +
            `${facts.minInsyncReplicas} replicas were up, and is not in the final read`,
        );
      }
    } else if (NOT_ENOUGH_REPLICAS.test(err)) {
      notEnoughReplicas++;
    }
  }
  return verdict(
    'min-isr-acks',
    {
      windows: windows.length,
      sendsInWindow,
      ackedUnderMinIsr,
      refused,
      unknown,
      notEnoughReplicas,
      lateAcks,
      lateAcksLost,
    },
    problems,
    ackedUnderMinIsr + lateAcksLost,
  );
}

/**
 * Cluster metadata (F3): what brokers answer in Metadata and what the coordinator holds, sampled through the
 * run (`metadata` ops). A topic once listed must be listed by every later answer, with no fewer partitions and
 * the same replicas (`lost`: metadata forgotten, e.g. by a restarted broker answering before it caught up or a
 * coordinator that lost log entries); leader within the replicas and in the ISR, ISR within the replicas
 * (`invalid`); per node, a partition's leader epoch and the coordinator's log offset and next producer id never
 * go back (`regressed`); in the last answer of each node (taken after healing) every partition has a leader
 * (`leaderless`).
 */
export function checkMetadata(history: readonly HistoryOp[]): Verdict {
  const samples = paired(history, 'metadata').flatMap((p) => (p.outcome === 'ok' ? [p.done!] : []));
  samples.sort((a, b) => a.time - b.time);
  const problems: string[] = [];
  let lost = 0;
  let invalid = 0;
  let regressed = 0;
  let leaderless = 0;
  const known = new Map<string, { partitions: number; replicas: Map<number, string>; seenAt: string }>();
  const epochs = new Map<string, number>();
  const offsets = new Map<string, { metadataOffset: number; nextProducerId: number }>();
  const lastOf = new Map<string, MetadataOp>();
  const at = (s: MetadataOp): string => `${s.node} at ${s.time.toFixed(0)} ms`;
  for (const s of samples) {
    lastOf.set(s.node, s);
    const topics = new Map(s.topics.map((t) => [t.name, t]));
    for (const [name, k] of known) {
      const t = topics.get(name);
      if (!t) {
        lost++;
        problems.push(`lost: ${at(s)} does not list topic ${name} (listed by ${k.seenAt})`);
      } else if (t.partitions.length < k.partitions) {
        lost++;
        problems.push(
          `lost: ${at(s)} lists ${t.partitions.length} partitions of ${name}, earlier ${k.partitions}`,
        );
      }
    }
    for (const t of s.topics) {
      const k = known.get(t.name) ?? { partitions: 0, replicas: new Map<number, string>(), seenAt: at(s) };
      k.partitions = Math.max(k.partitions, t.partitions.length);
      known.set(t.name, k);
      for (const p of t.partitions) {
        const where = `${t.name}/${p.partition}`;
        const replicas = [...p.replicas].sort((a, b) => a - b).join(',');
        const before = k.replicas.get(p.partition);
        if (before !== undefined && before !== replicas) {
          lost++;
          problems.push(`lost: ${at(s)} lists replicas [${replicas}] of ${where}, earlier [${before}]`);
        }
        k.replicas.set(p.partition, before ?? replicas);
        const bad = invalidPartition(p);
        if (bad) {
          invalid++;
          problems.push(`invalid: ${at(s)} says ${where} ${bad}`);
        }
        const ek = `${s.node} ${where}`;
        const prevEpoch = epochs.get(ek) ?? -1;
        if (p.leaderEpoch < prevEpoch) {
          regressed++;
          problems.push(
            `regressed: ${at(s)} says ${where} leader epoch ${p.leaderEpoch}, earlier ${prevEpoch}`,
          );
        }
        epochs.set(ek, Math.max(prevEpoch, p.leaderEpoch));
      }
    }
    if (s.metadataOffset !== undefined) {
      const prev = offsets.get(s.node) ?? { metadataOffset: -1, nextProducerId: -1 };
      const next = s.nextProducerId ?? -1;
      if (s.metadataOffset < prev.metadataOffset || next < prev.nextProducerId) {
        regressed++;
        problems.push(
          `regressed: ${at(s)} metadata offset ${s.metadataOffset} / next producer id ${next}, earlier ` +
            `${prev.metadataOffset} / ${prev.nextProducerId}`,
        );
      }
      offsets.set(s.node, {
        metadataOffset: Math.max(prev.metadataOffset, s.metadataOffset),
        nextProducerId: Math.max(prev.nextProducerId, next),
      });
    }
  }
  for (const s of lastOf.values())
    for (const t of s.topics)
      for (const p of t.partitions)
        if (p.leader < 0) {
          leaderless++;
          problems.push(`leaderless: the last answer of ${at(s)} has no leader for ${t.name}/${p.partition}`);
        }
  return verdict(
    'metadata',
    { samples: samples.length, topics: known.size, lost, invalid, regressed, leaderless },
    problems,
    lost + invalid + regressed + leaderless,
  );
}

function invalidPartition(p: MetadataPartition): string | null {
  if (p.isr.some((r) => !p.replicas.includes(r)))
    return `ISR [${p.isr}] is not within replicas [${p.replicas}]`;
  if (p.leader >= 0 && !p.replicas.includes(p.leader))
    return `leader ${p.leader} is not a replica [${p.replicas}]`;
  if (p.leader >= 0 && !p.isr.includes(p.leader)) return `leader ${p.leader} is not in the ISR [${p.isr}]`;
  return null;
}

/**
 * Liveness while the coordinator is down (F3): in every window of at least `minWindowMs` between the
 * coordinator's kill and its restart, some send invoked inside the window was acknowledged inside it, some
 * consumer poll returned messages, and some broker answered Metadata. Not a safety property: a scenario adds it
 * when it kills the coordinator.
 */
export function checkServedWhileCoordinatorDown(history: readonly HistoryOp[], minWindowMs = 1000): Verdict {
  const windows = downWindows(history, ['coordinator'], (down) => down.size > 0).filter(
    (w) => w.to - w.from >= minWindowMs,
  );
  const within = (w: Window, from: number, to: number): boolean => from >= w.from && to < w.to;
  const problems: string[] = [];
  let acked = 0;
  let polls = 0;
  let metadata = 0;
  let idle = 0;
  for (const w of windows) {
    const a = paired(history, 'send').filter(
      (s) => s.outcome === 'ok' && within(w, s.invoke.time, s.done!.time),
    ).length;
    const p = paired(history, 'poll').filter(
      (s) => s.outcome === 'ok' && within(w, s.invoke.time, s.done!.time) && s.done!.messages.length > 0,
    ).length;
    const m = paired(history, 'metadata').filter(
      (s) => s.outcome === 'ok' && s.invoke.node !== 'coordinator' && within(w, s.invoke.time, s.done!.time),
    ).length;
    acked += a;
    polls += p;
    metadata += m;
    if (a === 0 || p === 0 || m === 0) {
      idle++;
      problems.push(
        `not served: coordinator down ${w.from.toFixed(0)}-${w.to.toFixed(0)} ms: ${a} acked sends, ${p} polls, ` +
          `${m} metadata answers`,
      );
    }
  }
  return verdict(
    'served-while-coordinator-down',
    { windows: windows.length, acked, polls, metadata, idle },
    problems,
    idle,
  );
}

/**
 * Replicas (F1, F5): after the run every broker is stopped and each one's copy of each partition of the
 * workload topic is read from its data dir (`replica-log` ops). Two copies, or a copy and the final read, must not
 * hold different values at one offset (`diverged`: a zombie's or a dead leader's tail kept); every offset of the
 * final read must be in every copy (`missing`: a replica back in the ISR without the committed data); no value
 * twice in one copy (`duplicated`); every copy readable (`unreadable`). Records past the final read's end are
 * counted (`unreadTail`), not judged.
 */
export function checkReplicaLogs(history: readonly HistoryOp[]): Verdict {
  const reads = paired(history, 'replica-log');
  const copies = reads.flatMap((p) => (p.outcome === 'ok' ? [p.done!] : []));
  const finalByPartition = new Map<string, Map<number, string | null>>();
  for (const r of okReads(history, 'read'))
    for (const m of r.messages) {
      const k = where(r.topic, m.partition);
      const map = finalByPartition.get(k) ?? new Map<number, string | null>();
      map.set(m.offset, m.value);
      finalByPartition.set(k, map);
    }
  const problems: string[] = [];
  let unreadable = 0;
  for (const r of reads)
    if (r.outcome !== 'ok') {
      unreadable++;
      problems.push(
        `unreadable: ${r.invoke.node}'s copy of ${where(r.invoke.topic, r.invoke.partition)}: ${r.done?.error ?? 'no answer'}`,
      );
    }
  let diverged = 0;
  let missing = 0;
  let duplicated = 0;
  let unreadTail = 0;
  let records = 0;
  const byPartition = new Map<string, typeof copies>();
  for (const c of copies) {
    const k = where(c.topic, c.partition);
    byPartition.set(k, [...(byPartition.get(k) ?? []), c]);
  }
  for (const [k, list] of byPartition) {
    const final = finalByPartition.get(k) ?? new Map<number, string | null>();
    const finalEnd = Math.max(-1, ...final.keys()) + 1;
    const agreed = new Map<number, { value: string | null; node: string }>();
    for (const [o, v] of final) agreed.set(o, { value: v, node: 'the final read' });
    for (const c of list) {
      records += c.messages.length;
      const offsets = new Set<number>();
      const values = new Map<string, number>();
      for (const m of c.messages) {
        offsets.add(m.offset);
        if (m.offset >= finalEnd) unreadTail++;
        const seen = agreed.get(m.offset);
        if (seen === undefined) agreed.set(m.offset, { value: m.value, node: c.node });
        else if (seen.value !== m.value) {
          diverged++;
          problems.push(
            `diverged: ${c.node} has ${JSON.stringify(m.value)} at ${k}@${m.offset}, ${seen.node} ${JSON.stringify(seen.value)}`,
          );
        }
        if (m.value !== null) {
          const first = values.get(m.value);
          if (first !== undefined) {
            duplicated++;
            problems.push(`duplicated: ${c.node} has ${m.value} at ${k}@${first} and @${m.offset}`);
          } else values.set(m.value, m.offset);
        }
      }
      const lacks = [...final.keys()].filter((o) => !offsets.has(o));
      if (lacks.length > 0) {
        missing += lacks.length;
        problems.push(
          `missing: ${c.node}'s copy of ${k} lacks ${lacks.length} offsets of the final read (first ${Math.min(...lacks)})`,
        );
      }
    }
  }
  return verdict(
    'replica-logs',
    { copies: copies.length, records, diverged, missing, duplicated, unreadable, unreadTail },
    problems,
    diverged + missing + duplicated + unreadable,
  );
}

export const CHECKERS = {
  'lost-writes': checkLostWrites,
  duplicates: checkDuplicates,
  'inconsistent-offsets': checkInconsistentOffsets,
  'send-order': checkSendOrder,
  'committed-offsets': checkCommittedOffsets,
  'min-isr-acks': checkMinIsrAcks,
  metadata: checkMetadata,
  'replica-logs': checkReplicaLogs,
} as const;

/** Every checker over one history; `facts` describe the replicas (default: one broker). */
export function runCheckers(
  history: readonly HistoryOp[],
  facts: ClusterFacts = SINGLE_NODE_FACTS,
): Verdict[] {
  return Object.values(CHECKERS).map((check) => check(history, facts));
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
