/**
 * History checker for produce/consume runs: given what was sent (per partition, in send order) and what came
 * back, reports lost, duplicated, reordered and unexpected messages, and optional offset holes. Messages are
 * compared by identity (`idOf`): by default key + value + headers, so a changed header shows up as lost+unexpected.
 */
export interface HistoryMessage {
  partition: number;
  key: string | null;
  value: string | null;
  headers?: Record<string, string>;
  /** Offset as consumed; used for the hole check. */
  offset?: number;
}

export interface HistoryOptions {
  /** Identity of a message; default: key, value and headers. */
  idOf?: (m: HistoryMessage) => string;
  /**
   * Messages that may or may not have been written (sent but never acknowledged, e.g. in flight when the broker
   * was killed). Finding them is not "unexpected", missing them is not "lost".
   */
  maybe?: readonly HistoryMessage[];
  /** Require consumed offsets per partition to be contiguous, starting at `firstOffset` (default 0). */
  contiguousOffsets?: boolean;
  firstOffset?: number;
}

export interface HistoryReport {
  ok: boolean;
  lost: HistoryMessage[];
  duplicated: HistoryMessage[];
  /** Consumed messages that came back earlier than a message sent before them on the same partition. */
  reordered: { partition: number; message: HistoryMessage; cameAfter: HistoryMessage }[];
  unexpected: HistoryMessage[];
  offsetHoles: { partition: number; expected: number; got: number }[];
  /** One line per problem, capped, for assertion messages. */
  summary: string;
}

export function defaultMessageId(m: HistoryMessage): string {
  const headers = m.headers ? Object.entries(m.headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  return JSON.stringify([m.key, m.value, headers]);
}

function byPartition(ms: readonly HistoryMessage[]): Map<number, HistoryMessage[]> {
  const out = new Map<number, HistoryMessage[]>();
  for (const m of ms) {
    const list = out.get(m.partition) ?? [];
    list.push(m);
    out.set(m.partition, list);
  }
  return out;
}

export function checkHistory(
  sent: readonly HistoryMessage[],
  consumed: readonly HistoryMessage[],
  opts: HistoryOptions = {},
): HistoryReport {
  const idOf = opts.idOf ?? defaultMessageId;
  const lost: HistoryMessage[] = [];
  const duplicated: HistoryMessage[] = [];
  const reordered: HistoryReport['reordered'] = [];
  const unexpected: HistoryMessage[] = [];
  const offsetHoles: HistoryReport['offsetHoles'] = [];

  const sentBy = byPartition(sent);
  const maybeBy = byPartition(opts.maybe ?? []);
  const consumedBy = byPartition(consumed);
  const partitions = new Set([...sentBy.keys(), ...consumedBy.keys()]);

  for (const p of [...partitions].sort((a, b) => a - b)) {
    const sentHere = sentBy.get(p) ?? [];
    // Send order of every acknowledged and maybe-written message on this partition.
    const sentIndex = new Map<string, number>();
    sentHere.forEach((m, i) => sentIndex.set(idOf(m), i));
    const maybeIds = new Set((maybeBy.get(p) ?? []).map(idOf));
    const seen = new Set<string>();
    let lastSent: { index: number; message: HistoryMessage } | null = null;
    const got = consumedBy.get(p) ?? [];

    for (const m of got) {
      const id = idOf(m);
      if (seen.has(id)) {
        duplicated.push(m);
        continue;
      }
      seen.add(id);
      const idx = sentIndex.get(id);
      if (idx === undefined) {
        if (!maybeIds.has(id)) unexpected.push(m);
        continue;
      }
      if (lastSent !== null && idx < lastSent.index) {
        reordered.push({ partition: p, message: m, cameAfter: lastSent.message });
      } else {
        lastSent = { index: idx, message: m };
      }
    }
    for (const m of sentHere) if (!seen.has(idOf(m))) lost.push(m);

    if (opts.contiguousOffsets) {
      let expected = opts.firstOffset ?? 0;
      for (const m of got) {
        if (m.offset === undefined) continue;
        if (m.offset !== expected) offsetHoles.push({ partition: p, expected, got: m.offset });
        expected = m.offset + 1;
      }
    }
  }

  const lines: string[] = [];
  const show = (m: HistoryMessage): string =>
    `p${m.partition}${m.offset !== undefined ? `@${m.offset}` : ''} ${idOf(m)}`;
  for (const m of lost) lines.push(`lost: ${show(m)}`);
  for (const m of duplicated) lines.push(`duplicated: ${show(m)}`);
  for (const r of reordered) lines.push(`reordered: ${show(r.message)} came after ${show(r.cameAfter)}`);
  for (const m of unexpected) lines.push(`unexpected: ${show(m)}`);
  for (const h of offsetHoles)
    lines.push(`offset hole on p${h.partition}: expected ${h.expected}, got ${h.got}`);
  const ok = lines.length === 0;
  const summary = ok
    ? `ok: ${sent.length} sent, ${consumed.length} consumed`
    : `${lines.length} problem(s), ${sent.length} sent, ${consumed.length} consumed:\n` +
      lines.slice(0, 40).join('\n') +
      (lines.length > 40 ? `\n... and ${lines.length - 40} more` : '');
  return { ok, lost, duplicated, reordered, unexpected, offsetHoles, summary };
}
