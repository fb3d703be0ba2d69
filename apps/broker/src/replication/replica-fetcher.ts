import { logger } from '@tributary/common';
import {
  ApiKey,
  BrokerConnection,
  ErrorCode,
  FetchRequest,
  FetchResponse,
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
  Reader,
  Writer,
} from '@tributary/protocol';
import type { Partition } from '../partitions/partition';

const FETCH_VERSION = 11;
/** v3 carries our replica id and the leader epoch we follow (the leader refuses a stale or future one). */
const EPOCH_VERSION = 3;
const EPOCH_TIMEOUT_MS = 10_000;
/** Whole-response cap; at least one partition's worth (replica.fetch.max.bytes). */
const RESPONSE_MAX_BYTES = 16 * 1024 * 1024;
const BACKOFF_MS = 200;

export interface ReplicaFetcherOptions {
  selfId: number;
  leaderId: number;
  host: string;
  port: number;
  maxWaitMs: number;
  /** replica.fetch.max.bytes */
  partitionMaxBytes: number;
}

/**
 * Copies the partitions this broker follows from one leader: a loop of Fetch requests with replica_id = our
 * node id, from each partition's log end offset (which tells the leader how far we are), appending what comes
 * back at the leader's offsets and taking the leader's high watermark. A partition that just started following
 * (new leader or leader epoch, or a restart) first asks the leader where its latest epoch ends
 * (OffsetForLeaderEpoch) and cuts any divergent tail there; only then does it fetch.
 */
export class ReplicaFetcher {
  private readonly log = logger('replica-fetcher');
  private readonly partitions = new Map<string, Partition>();
  private conn: BrokerConnection | null = null;
  private stopped = false;
  private wakeIdle: (() => void) | null = null;
  private lastWarn = 0;

  constructor(readonly opts: ReplicaFetcherOptions) {
    void this.run();
  }

  get endpoint(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  get size(): number {
    return this.partitions.size;
  }

  /** The partitions to follow from this leader from now on. */
  assign(partitions: Partition[]): void {
    this.partitions.clear();
    for (const p of partitions) this.partitions.set(`${p.topic}\u0000${p.index}`, p);
    this.wakeIdle?.();
  }

  stop(): void {
    this.stopped = true;
    this.conn?.destroy();
    this.conn = null;
    this.wakeIdle?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.partitions.size === 0) {
        await new Promise<void>((r) => {
          this.wakeIdle = r;
          setTimeout(r, 1000);
        });
        this.wakeIdle = null;
        continue;
      }
      let progressed = false;
      try {
        progressed = await this.fetchOnce();
      } catch (e) {
        this.conn?.destroy();
        this.conn = null;
        this.warn(e);
      }
      if (!progressed && !this.stopped) await sleep(BACKOFF_MS);
    }
  }

  /**
   * One round: the leader-epoch check for partitions that need it, then one Fetch for the others. False when
   * nothing progressed (errors everywhere), so the loop backs off.
   */
  private async fetchOnce(): Promise<boolean> {
    const conn = await this.connection();
    const checked = await this.truncateByLeaderEpoch(conn);
    // What each partition looked like when asked: a response for an older leadership or log is dropped.
    const asked = new Map<string, { p: Partition; offset: number; epoch: number }>();
    const byTopic = new Map<string, { partition: number; fetchOffset: number; leaderEpoch: number }[]>();
    for (const [key, p] of this.partitions) {
      if (p.isLeader || p.leaderId !== this.opts.leaderId || p.needsTruncation) continue;
      asked.set(key, { p, offset: p.logEndOffset, epoch: p.leaderEpoch });
      const list = byTopic.get(p.topic) ?? [];
      list.push({ partition: p.index, fetchOffset: p.logEndOffset, leaderEpoch: p.leaderEpoch });
      byTopic.set(p.topic, list);
    }
    if (asked.size === 0) return checked;
    const req: FetchRequest = {
      replicaId: this.opts.selfId,
      maxWaitMs: this.opts.maxWaitMs,
      minBytes: 1,
      maxBytes: Math.max(RESPONSE_MAX_BYTES, this.opts.partitionMaxBytes),
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topic, parts]) => ({
        topic,
        partitions: parts.map((x) => ({
          partition: x.partition,
          // A leader that moved on (or has not caught up) refuses us instead of serving another history.
          currentLeaderEpoch: x.leaderEpoch,
          fetchOffset: x.fetchOffset,
          logStartOffset: -1,
          partitionMaxBytes: this.opts.partitionMaxBytes,
        })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    };
    const w = new Writer(256);
    FetchRequest.encode(w, FETCH_VERSION, req);
    const body = await conn.request(ApiKey.Fetch, FETCH_VERSION, w.toBuffer(), this.opts.maxWaitMs + 10_000);
    const res = FetchResponse.decode(new Reader(body), FETCH_VERSION);
    let ok = 0;
    for (const t of res.responses) {
      for (const r of t.partitions) {
        const a = asked.get(`${t.topic}\u0000${r.partitionIndex}`);
        if (!a) continue;
        const p = a.p;
        // Leadership or log changed while the request was out (new leader, truncation): ask again.
        if (p.isLeader || p.leaderEpoch !== a.epoch || p.logEndOffset !== a.offset) continue;
        if (this.apply(p, r)) ok++;
      }
    }
    return ok > 0 || checked;
  }

  /**
   * KIP-101/279: for every partition that just started following, asks the leader where our latest leader
   * epoch ends in its log and truncates ours to that point (or, when the leader's answer names an older
   * epoch we do not have, to where our own history below it ends, and asks again next round). A follower
   * whose log holds no epochs has nothing that can diverge and fetches from its log end. True when any
   * partition progressed.
   */
  private async truncateByLeaderEpoch(conn: BrokerConnection): Promise<boolean> {
    const asked = new Map<string, { p: Partition; leaderEpoch: number; asked: number; leo: number }>();
    const byTopic = new Map<
      string,
      { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[]
    >();
    let progressed = false;
    for (const [key, p] of this.partitions) {
      if (p.isLeader || p.leaderId !== this.opts.leaderId || !p.needsTruncation) continue;
      const latest = p.latestLeaderEpoch;
      if (latest < 0) {
        p.skipTruncation();
        progressed = true;
        continue;
      }
      asked.set(key, { p, leaderEpoch: p.leaderEpoch, asked: latest, leo: p.logEndOffset });
      const list = byTopic.get(p.topic) ?? [];
      list.push({ partition: p.index, currentLeaderEpoch: p.leaderEpoch, leaderEpoch: latest });
      byTopic.set(p.topic, list);
    }
    if (asked.size === 0) return progressed;
    const req: OffsetForLeaderEpochRequest = {
      replicaId: this.opts.selfId,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    };
    const w = new Writer(128);
    OffsetForLeaderEpochRequest.encode(w, EPOCH_VERSION, req);
    const body = await conn.request(
      ApiKey.OffsetForLeaderEpoch,
      EPOCH_VERSION,
      w.toBuffer(),
      EPOCH_TIMEOUT_MS,
    );
    const res = OffsetForLeaderEpochResponse.decode(new Reader(body), EPOCH_VERSION);
    for (const t of res.topics) {
      for (const r of t.partitions) {
        const a = asked.get(`${t.topic}\u0000${r.partition}`);
        if (!a) continue;
        const p = a.p;
        // Leadership or log changed while the request was out: the next round asks again.
        if (!p.needsTruncation || p.leaderEpoch !== a.leaderEpoch || p.logEndOffset !== a.leo) continue;
        if (r.errorCode !== ErrorCode.NONE) {
          // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH: the leader's view or ours is about to change.
          this.log.debug(
            { partition: `${p.topic}-${p.index}`, errorCode: r.errorCode },
            'leader refused the leader-epoch check; will retry',
          );
          continue;
        }
        const leader = { epoch: r.leaderEpoch, endOffset: Number(r.endOffset) };
        const { truncatedTo, done } = p.truncateToLeaderEpoch(a.asked, leader);
        progressed = true;
        const detail = {
          partition: `${p.topic}-${p.index}`,
          askedEpoch: a.asked,
          leaderEpoch: leader.epoch,
          leaderEndOffset: leader.endOffset,
          from: a.leo,
          to: truncatedTo,
        };
        if (truncatedTo < a.leo) {
          this.log.warn(
            detail,
            done ? 'truncated by leader epoch' : 'truncated by leader epoch; asking again',
          );
        } else if (done) {
          this.log.debug(detail, 'log matches the leader by leader epoch; nothing truncated');
        }
      }
    }
    return progressed;
  }

  private apply(p: Partition, r: FetchResponse['responses'][number]['partitions'][number]): boolean {
    const name = `${p.topic}-${p.index}`;
    switch (r.errorCode) {
      case ErrorCode.NONE: {
        const records = r.records;
        if (Buffer.isBuffer(records) && records.length > 0) {
          try {
            p.appendReplicated(records);
          } catch (e) {
            this.log.error(
              { err: e, partition: name },
              'cannot append what the leader sent; will fetch again',
            );
            return false;
          }
        }
        p.setLeaderHighWatermark(Number(r.highWatermark));
        return true;
      }
      case ErrorCode.OFFSET_OUT_OF_RANGE: {
        const leaderStart = Number(r.logStartOffset);
        if (p.logEndOffset < leaderStart) {
          this.log.warn(
            { partition: name, leaderStart },
            'behind the leader log start: restarting the log there',
          );
          p.restartAt(leaderStart);
        } else {
          // Ahead of the leader's log: our tail was never committed; cut back to what the leader has committed.
          const to = Math.max(Number(r.highWatermark), p.logStartOffset);
          this.log.warn({ partition: name, from: p.logEndOffset, to }, 'ahead of the leader: truncating');
          p.truncateTo(to);
        }
        return true;
      }
      default:
        // NOT_LEADER_OR_FOLLOWER / UNKNOWN_TOPIC_OR_PARTITION: the leader has not applied the metadata yet.
        return false;
    }
  }

  private async connection(): Promise<BrokerConnection> {
    if (this.conn && !this.conn.isClosed) return this.conn;
    this.conn = await BrokerConnection.open(
      this.opts.host,
      this.opts.port,
      `tributary-replica-${this.opts.selfId}`,
    );
    return this.conn;
  }

  private warn(e: unknown): void {
    const now = Date.now();
    if (now - this.lastWarn < 5000) return;
    this.lastWarn = now;
    this.log.warn(
      {
        leader: this.opts.leaderId,
        endpoint: this.endpoint,
        err: e instanceof Error ? e.message : String(e),
      },
      'fetch from leader failed; retrying',
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
