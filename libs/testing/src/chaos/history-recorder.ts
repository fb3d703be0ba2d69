import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * Jepsen-style operation history. Every client operation is recorded twice: an `invoke` when it starts and one
 * completion: `ok` (it happened), `fail` (it certainly did not happen) or `info` (unknown: a timeout or a lost
 * connection; it may or may not have taken effect). An invoke with no completion counts as `info`.
 */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

interface OpBase {
  /** Position in the history, 0-based. */
  index: number;
  /** The index of the invoke this op completes (equal to `index` for an invoke). */
  ref: number;
  /** Milliseconds since the run started, from the monotonic clock. */
  time: number;
  /** Who did it: a client (`p0`, `rdk1`, `c0`, `admin`) or `nemesis` for faults. */
  process: string;
  type: OpType;
  /** Why an op failed or is unknown. */
  error?: string;
}

/** One produced message. Values are unique per run (`<process>-<seq>`); the partition is chosen by the workload. */
export interface SendOp extends OpBase {
  f: 'send';
  topic: string;
  partition: number;
  key: string | null;
  value: string;
  /** Offset from the acknowledgement (ok only). */
  offset?: number;
}

export interface ReadMessage {
  partition: number;
  offset: number;
  value: string | null;
}

interface ReadBase extends OpBase {
  topic: string;
  messages: ReadMessage[];
}

/** Messages a consumer received. */
export interface PollOp extends ReadBase {
  f: 'poll';
}

/** A final full read of every partition from offset 0 (after the faults healed). */
export interface FinalReadOp extends ReadBase {
  f: 'read';
}

export type ReadOp = PollOp | FinalReadOp;

export interface PartitionOffset {
  partition: number;
  offset: number;
}

interface OffsetsBase extends OpBase {
  topic: string;
  group: string;
  offsets: PartitionOffset[];
}

/** A group offset commit. */
export interface CommitOp extends OffsetsBase {
  f: 'commit';
}

/** The group's committed offsets read back (OffsetFetch). */
export interface FetchOffsetsOp extends OffsetsBase {
  f: 'fetch-offsets';
}

export type OffsetsOp = CommitOp | FetchOffsetsOp;

/**
 * A fault injected by the nemesis: `kill9`, `restart`, `pause` (SIGSTOP), `resume` (SIGCONT) on `node`, or
 * `await-healthy` on `cluster` (waiting for every replica to be back in sync). The `min-isr-acks` and
 * `served-while-coordinator-down` checkers read the node ones to know which nodes were down when.
 */
export interface FaultOp extends OpBase {
  f: 'fault';
  fault: string;
  node: string;
}

/** One partition as a Metadata answer (or the coordinator's state) described it. */
export interface MetadataPartition {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

/**
 * Cluster metadata as one node answered it: a broker's Metadata response (every topic) or the coordinator's
 * own state (`node: 'coordinator'`, with its metadata log offset). A read: failures are plain `fail`s.
 */
export interface MetadataOp extends OpBase {
  f: 'metadata';
  /** Which node answered (`broker-2`, `coordinator`). */
  node: string;
  topics: { name: string; partitions: MetadataPartition[] }[];
  /** Node ids of the live brokers the answer listed (brokers only). */
  brokers?: number[];
  /** The coordinator's metadata log offset (coordinator only). */
  metadataOffset?: number;
  /** The next producer id the coordinator hands out (coordinator only). */
  nextProducerId?: number;
}

/**
 * One replica's copy of a partition, read from its data dir after the run (every broker stopped): what it would
 * serve if it led. Not a client read; only the `replica-logs` checker looks at these.
 */
export interface ReplicaLogOp extends ReadBase {
  f: 'replica-log';
  /** The broker whose data dir was read. */
  node: string;
  partition: number;
}

export type HistoryOp =
  SendOp | PollOp | FinalReadOp | CommitOp | FetchOffsetsOp | FaultOp | MetadataOp | ReplicaLogOp;

type Common = 'index' | 'ref' | 'time' | 'type' | 'error';
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type OpInput = DistributiveOmit<HistoryOp, Common>;

/** Completion of one invoked op. Each may be called once; later calls are ignored. */
export interface PendingOp<T extends HistoryOp = HistoryOp> {
  readonly invoke: T;
  ok(extra?: Partial<T>): T;
  fail(error: unknown, extra?: Partial<T>): T;
  info(error: unknown): T;
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/**
 * Records a history in memory and, when given a file, as JSON lines appended as they happen (written
 * synchronously, so the file is complete up to the last op even if the run dies).
 */
export class HistoryRecorder {
  private readonly list: HistoryOp[] = [];
  private readonly start = process.hrtime.bigint();
  private fd: number | null;

  constructor(readonly file?: string) {
    this.fd = file ? openSync(file, 'w') : null;
  }

  /** Milliseconds since the recorder was created, monotonic. */
  now(): number {
    return Number(process.hrtime.bigint() - this.start) / 1e6;
  }

  invoke<T extends OpInput>(input: T): PendingOp<Extract<HistoryOp, { f: T['f'] }>> {
    type Op = Extract<HistoryOp, { f: T['f'] }>;
    const index = this.list.length;
    const invoke = { ...input, index, ref: index, time: this.now(), type: 'invoke' } as unknown as Op;
    this.append(invoke);
    let done = false;
    const complete = (type: OpType, extra: Partial<Op>, error?: string): Op => {
      const op = {
        ...invoke,
        ...extra,
        index: this.list.length,
        ref: index,
        time: this.now(),
        type,
        ...(error !== undefined ? { error } : {}),
      } as Op;
      if (done) return op;
      done = true;
      this.append(op);
      return op;
    };
    return {
      invoke,
      ok: (extra = {}) => complete('ok', extra),
      fail: (e, extra = {}) => complete('fail', extra, errorText(e)),
      info: (e) => complete('info', {}, errorText(e)),
    };
  }

  ops(): readonly HistoryOp[] {
    return this.list;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private append(op: HistoryOp): void {
    this.list.push(op);
    if (this.fd !== null) writeSync(this.fd, `${JSON.stringify(op)}\n`);
  }
}

/** Reads a history file written by `HistoryRecorder` (one JSON op per line). */
export function readHistoryFile(file: string): HistoryOp[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as HistoryOp;
      } catch (e) {
        throw new Error(
          `${file}:${i + 1} is not a JSON history op (${errorText(e)}); was the file truncated?`,
        );
      }
    });
}
