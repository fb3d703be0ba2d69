import {
  checkCommittedOffsets,
  checkDuplicates,
  checkInconsistentOffsets,
  checkLostWrites,
  checkMetadata,
  checkMinIsrAcks,
  checkReplicaLogs,
  checkSendOrder,
  checkServedWhileCoordinatorDown,
  downWindows,
  formatVerdicts,
  runCheckers,
  type ClusterFacts,
} from './checkers';
import { HistoryRecorder, type MetadataPartition, type ReadMessage } from './history-recorder';

const T = 't';

function send(
  h: HistoryRecorder,
  proc: string,
  value: string,
  partition: number,
  outcome: 'ok' | 'info' | 'fail' | 'none',
  offset?: number,
): void {
  const p = h.invoke({ f: 'send', process: proc, topic: T, partition, key: null, value });
  if (outcome === 'ok') p.ok(offset !== undefined ? { offset } : {});
  if (outcome === 'info') p.info(new Error('request timed out'));
  if (outcome === 'fail') p.fail(new Error('MESSAGE_TOO_LARGE'));
}

function read(h: HistoryRecorder, messages: ReadMessage[], f: 'read' | 'poll' = 'read'): void {
  h.invoke({ f, process: 'final', topic: T, messages: [] }).ok({ messages });
}

const m = (partition: number, offset: number, value: string): ReadMessage => ({ partition, offset, value });

function commit(h: HistoryRecorder, offset: number, outcome: 'ok' | 'info' = 'ok'): void {
  const p = h.invoke({
    f: 'commit',
    process: 'c0',
    topic: T,
    group: 'g',
    offsets: [{ partition: 0, offset }],
  });
  if (outcome === 'ok') p.ok();
  else p.info(new Error('connection closed'));
}

function fetchOffsets(h: HistoryRecorder, offset: number): void {
  h.invoke({ f: 'fetch-offsets', process: 'admin', topic: T, group: 'g', offsets: [] }).ok({
    offsets: [{ partition: 0, offset }],
  });
}

/** A clean history: two producers, one unknown send that did land, a consumer committing forward. */
function cleanHistory(): HistoryRecorder {
  const h = new HistoryRecorder();
  send(h, 'p0', 'p0-0', 0, 'ok', 0);
  send(h, 'p1', 'p1-0', 0, 'ok', 1);
  send(h, 'p0', 'p0-1', 0, 'info');
  send(h, 'p0', 'p0-2', 0, 'ok', 3);
  send(h, 'p1', 'p1-1', 1, 'ok'); // no offset in the ack: the final read supplies it
  read(h, [m(0, 0, 'p0-0'), m(0, 1, 'p1-0')], 'poll');
  commit(h, 2);
  fetchOffsets(h, 2);
  read(h, [m(0, 0, 'p0-0'), m(0, 1, 'p1-0'), m(0, 2, 'p0-1'), m(0, 3, 'p0-2'), m(1, 0, 'p1-1')]);
  return h;
}

describe('chaos checkers', () => {
  it('pass a clean history and count what they saw', () => {
    const verdicts = runCheckers(cleanHistory().ops());
    expect(verdicts.map((v) => [v.checker, v.ok])).toEqual([
      ['lost-writes', true],
      ['duplicates', true],
      ['inconsistent-offsets', true],
      ['send-order', true],
      ['committed-offsets', true],
      ['min-isr-acks', true],
      ['metadata', true],
      ['replica-logs', true],
    ]);
    expect(verdicts[0]!.counts).toEqual({
      acknowledged: 4,
      unknown: 1,
      failed: 0,
      unknownButPresent: 1,
      lost: 0,
      unexpected: 0,
    });
    expect(verdicts[3]!.counts).toMatchObject({ pairs: 1, nonmonotonic: 0 });
    expect(verdicts[4]!.counts).toMatchObject({ commits: 1, reads: 1 });
    expect(formatVerdicts(verdicts)).toMatch(
      /^checker\s+verdict\s+counts\nlost-writes\s+PASS\s+acknowledged=4/,
    );
  });

  it('treat an invoke that never completed as unknown, so it may be missing', () => {
    const h = new HistoryRecorder();
    send(h, 'p0', 'p0-0', 0, 'ok', 0);
    send(h, 'p0', 'p0-1', 0, 'none');
    read(h, [m(0, 0, 'p0-0')]);
    expect(checkLostWrites(h.ops())).toMatchObject({
      ok: true,
      counts: { acknowledged: 1, unknown: 1, lost: 0 },
    });
  });

  it('report an acknowledged write missing from the final read as lost', () => {
    const h = new HistoryRecorder();
    send(h, 'p0', 'p0-0', 0, 'ok', 0);
    send(h, 'p0', 'p0-1', 0, 'ok', 1);
    read(h, [m(0, 0, 'p0-0')]);
    const v = checkLostWrites(h.ops());
    expect(v.ok).toBe(false);
    expect(v.counts.lost).toBe(1);
    expect(v.examples).toEqual(['lost: p0 acknowledged p0-1 on t/0, not in the final read']);
  });

  it('report a failed send that shows up, and a value nobody sent, as unexpected', () => {
    const h = new HistoryRecorder();
    send(h, 'p0', 'p0-0', 0, 'fail');
    read(h, [m(0, 0, 'p0-0'), m(0, 1, 'garbage')]);
    const v = checkLostWrites(h.ops());
    expect(v).toMatchObject({ ok: false, counts: { unexpected: 2 } });
    expect(v.examples).toEqual([
      'unexpected: p0-0 at t/0@0 was read but its send failed',
      'unexpected: "garbage" at t/0@1 was never sent',
    ]);
  });

  it('fail lost-writes when there is no final read at all', () => {
    const h = new HistoryRecorder();
    send(h, 'p0', 'p0-0', 0, 'ok', 0);
    expect(checkLostWrites(h.ops())).toMatchObject({ ok: false, counts: { finalReads: 0 } });
  });

  it('report one value at two offsets as a duplicate, from acks and reads together', () => {
    const h = new HistoryRecorder();
    send(h, 'p0', 'p0-0', 0, 'ok', 0);
    read(h, [m(0, 0, 'p0-0'), m(0, 1, 'p0-0')]);
    const v = checkDuplicates(h.ops());
    expect(v).toMatchObject({ ok: false, counts: { duplicated: 1 } });
    expect(v.examples).toEqual(['duplicate: p0-0 at t/0@0, t/0@1']);
    // The duplicate also breaks the lost-writes checker's per-value accounting (same value twice).
    expect(checkDuplicates(cleanHistory().ops()).ok).toBe(true);
  });

  it('report one offset with two values as inconsistent (ack vs read)', () => {
    const h = new HistoryRecorder();
    send(h, 'p0', 'p0-0', 0, 'ok', 5);
    send(h, 'p1', 'p1-0', 0, 'ok', 5);
    read(h, [m(0, 5, 'p1-0')]);
    const v = checkInconsistentOffsets(h.ops());
    expect(v).toMatchObject({ ok: false, counts: { inconsistent: 1 } });
    expect(v.examples[0]).toBe('inconsistent: t/0@5 seen as "p0-0" and "p1-0"');
  });

  it('report a later acknowledged send of one producer stored below an earlier one', () => {
    const h = new HistoryRecorder();
    send(h, 'p0', 'p0-0', 0, 'ok', 4);
    send(h, 'p0', 'p0-1', 0, 'ok', 2);
    send(h, 'p1', 'p1-0', 0, 'ok', 3); // another producer: not compared with p0
    const v = checkSendOrder(h.ops());
    expect(v).toMatchObject({ ok: false, counts: { sequences: 2, pairs: 1, nonmonotonic: 1 } });
    expect(v.examples).toEqual(['nonmonotonic: p0 on t/0: p0-1 sent after p0-0 but stored at 2 <= 4']);
  });

  it('report a committed offset read back below the last acknowledged commit as regressed', () => {
    const h = new HistoryRecorder();
    commit(h, 10);
    commit(h, 20);
    fetchOffsets(h, 10);
    const v = checkCommittedOffsets(h.ops());
    expect(v).toMatchObject({ ok: false, counts: { regressed: 1 } });
    expect(v.examples[0]).toMatch(
      /^regressed: g t\/0 read back 10 at \d+ ms, but 20 was acknowledged at \d+ ms$/,
    );
  });

  it('report a spurious -1 (no commit) after an acknowledged commit as regressed', () => {
    const h = new HistoryRecorder();
    commit(h, 7);
    fetchOffsets(h, -1);
    expect(checkCommittedOffsets(h.ops())).toMatchObject({ ok: false, counts: { regressed: 1 } });
  });

  it('accept the value of a later commit with unknown outcome, and -1 before any commit', () => {
    const h = new HistoryRecorder();
    fetchOffsets(h, -1);
    commit(h, 10);
    commit(h, 30, 'info');
    fetchOffsets(h, 30);
    fetchOffsets(h, 10);
    expect(checkCommittedOffsets(h.ops())).toMatchObject({ ok: true, counts: { commits: 2, reads: 3 } });
  });

  it('report a read-back value no commit wrote as unexplained, and commits past the log end', () => {
    const h = new HistoryRecorder();
    commit(h, 1);
    commit(h, 2);
    fetchOffsets(h, 3);
    commit(h, 9);
    read(h, [m(0, 0, 'a'), m(0, 1, 'b'), m(0, 2, 'c')]);
    const v = checkCommittedOffsets(h.ops());
    expect(v).toMatchObject({ ok: false, counts: { regressed: 0, unexplained: 1, beyondEnd: 1 } });
    expect(v.examples.join('\n')).toMatch(/beyond end: c0 committed 9 on t\/0 but the log ends at 3/);
    expect(v.examples.join('\n')).toMatch(/unexplained: g t\/0 read back 3/);
  });

  describe('cluster checkers', () => {
    const FACTS: ClusterFacts = { replicaNodes: ['broker-1', 'broker-2', 'broker-3'], minInsyncReplicas: 2 };
    const fault = (h: HistoryRecorder, f: string, node: string): void => {
      h.invoke({ f: 'fault', process: 'nemesis', fault: f, node }).ok();
    };
    const part = (partition: number, leader: number, leaderEpoch = 0): MetadataPartition => ({
      partition,
      leader,
      leaderEpoch,
      replicas: [1, 2, 3],
      isr: leader >= 0 ? [leader] : [1],
    });
    const meta = (
      h: HistoryRecorder,
      node: string,
      topics: { name: string; partitions: MetadataPartition[] }[],
      extra: { metadataOffset?: number; nextProducerId?: number } = {},
    ): void => {
      h.invoke({ f: 'metadata', process: 'meta', node, topics: [] }).ok({ topics, ...extra });
    };

    it('find the windows with fewer than min.insync.replicas replicas up', () => {
      const h = new HistoryRecorder();
      fault(h, 'kill9', 'broker-1'); // 2 of 3 up: fine
      fault(h, 'pause', 'broker-2'); // 1 of 3: window opens
      fault(h, 'restart', 'broker-1'); // closes at the restart's invoke
      fault(h, 'resume', 'broker-2');
      fault(h, 'kill9', 'coordinator'); // not a replica
      const w = downWindows(h.ops(), FACTS.replicaNodes, (down) => 3 - down.size < 2);
      expect(w).toHaveLength(1);
      expect(w[0]!.from).toBe(h.ops()[3]!.time);
      expect(w[0]!.to).toBe(h.ops()[4]!.time);
    });

    it('report an ack for a send made while two of three replicas were down', () => {
      const h = new HistoryRecorder();
      send(h, 'p0', 'early', 0, 'ok', 0);
      const late = h.invoke({ f: 'send', process: 'p1', topic: T, partition: 0, key: null, value: 'late' });
      fault(h, 'kill9', 'broker-1');
      fault(h, 'kill9', 'broker-2');
      late.ok({ offset: 1 }); // invoked before the window: a legitimate late ack
      send(h, 'p0', 'refused', 0, 'info');
      h.invoke({ f: 'send', process: 'p0', topic: T, partition: 0, key: null, value: 'nope' }).fail(
        new Error('KafkaJSProtocolError: NOT_ENOUGH_REPLICAS'),
      );
      send(h, 'p0', 'bad', 0, 'ok', 2);
      fault(h, 'restart', 'broker-1');
      read(h, [m(0, 0, 'early'), m(0, 1, 'late'), m(0, 2, 'bad')]);
      const v = checkMinIsrAcks(h.ops(), FACTS);
      expect(v).toMatchObject({
        ok: false,
        counts: {
          windows: 1,
          sendsInWindow: 3,
          ackedUnderMinIsr: 1,
          refused: 1,
          unknown: 1,
          notEnoughReplicas: 1,
          lateAcks: 1,
          lateAcksLost: 0,
        },
      });
      expect(v.examples[0]).toMatch(/^acked under min ISR: p0 sent bad at \d+ ms/);
    });

    it('report a late ack from inside a window that the final read lacks', () => {
      const h = new HistoryRecorder();
      const s0 = h.invoke({ f: 'send', process: 'p0', topic: T, partition: 0, key: null, value: 'v' });
      fault(h, 'kill9', 'broker-1');
      fault(h, 'kill9', 'broker-2');
      s0.ok({ offset: 0 });
      fault(h, 'restart', 'broker-1');
      read(h, []);
      expect(checkMinIsrAcks(h.ops(), FACTS)).toMatchObject({
        ok: false,
        counts: { lateAcks: 1, lateAcksLost: 1 },
      });
    });

    it('pass metadata that keeps every topic and moves leaders forward', () => {
      const h = new HistoryRecorder();
      meta(h, 'broker-1', [{ name: 'a', partitions: [part(0, 1)] }]);
      meta(h, 'coordinator', [{ name: 'a', partitions: [part(0, 2, 1)] }], { metadataOffset: 5 });
      meta(h, 'broker-2', [{ name: 'a', partitions: [part(0, 2, 1)] }]);
      meta(h, 'coordinator', [{ name: 'a', partitions: [part(0, 2, 1)] }], { metadataOffset: 7 });
      meta(h, 'broker-1', [{ name: 'a', partitions: [part(0, 2, 1)] }]);
      expect(checkMetadata(h.ops())).toMatchObject({ ok: true, counts: { samples: 5, topics: 1 } });
    });

    it('report a forgotten topic, a regressed epoch or log offset, and a leaderless end', () => {
      const h = new HistoryRecorder();
      meta(h, 'broker-1', [{ name: 'a', partitions: [part(0, 1, 3)] }]);
      meta(h, 'broker-2', []); // a broker answering from an empty view
      meta(h, 'broker-1', [{ name: 'a', partitions: [part(0, 1, 2)] }]);
      meta(h, 'coordinator', [{ name: 'a', partitions: [part(0, 1, 3)] }], { metadataOffset: 9 });
      meta(h, 'coordinator', [{ name: 'a', partitions: [part(0, -1, 4)] }], { metadataOffset: 4 });
      const v = checkMetadata(h.ops());
      expect(v).toMatchObject({ ok: false, counts: { lost: 1, regressed: 2, leaderless: 1, invalid: 0 } });
      expect(v.examples[0]).toMatch(/^lost: broker-2 at \d+ ms does not list topic a/);
    });

    it('report a leader outside the ISR as invalid', () => {
      const h = new HistoryRecorder();
      meta(h, 'broker-1', [{ name: 'a', partitions: [{ ...part(0, 1), isr: [2, 3] }] }]);
      expect(checkMetadata(h.ops())).toMatchObject({ ok: false, counts: { invalid: 1 } });
    });

    it('require sends, polls and metadata answers while the coordinator is down', async () => {
      const h = new HistoryRecorder();
      fault(h, 'kill9', 'coordinator');
      await new Promise((r) => setTimeout(r, 30));
      send(h, 'p0', 'x', 0, 'ok', 0);
      read(h, [m(0, 0, 'x')], 'poll');
      meta(h, 'broker-1', []);
      fault(h, 'restart', 'coordinator');
      expect(checkServedWhileCoordinatorDown(h.ops(), 10)).toMatchObject({
        ok: true,
        counts: { windows: 1, acked: 1, polls: 1, metadata: 1, idle: 0 },
      });
      const idle = new HistoryRecorder();
      fault(idle, 'kill9', 'coordinator');
      await new Promise((r) => setTimeout(r, 30));
      fault(idle, 'restart', 'coordinator');
      expect(checkServedWhileCoordinatorDown(idle.ops(), 10)).toMatchObject({
        ok: false,
        counts: { idle: 1 },
      });
    });

    it('compare every replica copy with the others and with the final read', () => {
      const copy = (h: HistoryRecorder, node: string, messages: ReadMessage[]): void => {
        h.invoke({ f: 'replica-log', process: 'final', node, topic: T, partition: 0, messages: [] }).ok({
          messages,
        });
      };
      const h = new HistoryRecorder();
      read(h, [m(0, 0, 'a'), m(0, 1, 'b')]);
      copy(h, 'broker-1', [m(0, 0, 'a'), m(0, 1, 'b')]);
      copy(h, 'broker-2', [m(0, 0, 'a'), m(0, 1, 'b'), m(0, 2, 'c')]);
      expect(checkReplicaLogs(h.ops())).toMatchObject({
        ok: true,
        counts: { copies: 2, records: 5, unreadTail: 1 },
      });
      copy(h, 'broker-3', [m(0, 0, 'a'), m(0, 1, 'x'), m(0, 2, 'a')]);
      copy(h, 'broker-4', [m(0, 0, 'a')]);
      const v = checkReplicaLogs(h.ops());
      expect(v).toMatchObject({ ok: false, counts: { diverged: 2, missing: 1, duplicated: 1 } });
      expect(v.examples[0]).toBe('diverged: broker-3 has "x" at t/0@1, the final read "b"');
    });
  });
});
