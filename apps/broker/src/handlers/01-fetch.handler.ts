import { Inject, Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, FetchRequest, FetchResponse } from '@tributary/protocol';
import type { ReadResult } from '@tributary/storage';
import { BROKER_CONFIG } from '../broker.tokens';
import type { BrokerConfig } from '../config/broker-config';
import { MetadataCache } from '../metadata/metadata-cache';
import type { Partition } from '../partitions/partition';
import { PartitionManager } from '../partitions/partition-manager';
import type { ApiHandler, RequestContext } from './api-handler';

type PartitionData = FetchResponse['responses'][number]['partitions'][number];
const EMPTY = Buffer.alloc(0);
/** Fetch v0-2 have no response-level max_bytes; the broker's fetch.max.bytes still bounds them. */
const NO_LIMIT = 0x7fffffff;

/**
 * Fetch v0-11 (clients send v4 and v11). Returns whole stored batches read straight from the segment files,
 * never past the high watermark, at least one batch even past max_bytes (KIP-74). When fewer than
 * min_bytes are ready it parks until an append on one of the partitions or max_wait_ms.
 * Fetch sessions (v7+) are not kept: every fetch is answered as a full fetch with session id 0.
 * Cluster mode: only the leader answers (NOT_LEADER_OR_FOLLOWER elsewhere); a follower's fetch (replica_id >= 0)
 * reports its log end offset to the leader and may read up to the leader's log end, consumers up to the HW.
 * A current_leader_epoch (v9+) is checked first, as Kafka does: older than ours is FENCED_LEADER_EPOCH, newer
 * UNKNOWN_LEADER_EPOCH, so neither a stale client nor a follower of another leadership reads this log.
 */
@Injectable()
export class FetchHandler implements ApiHandler<typeof FetchRequest, typeof FetchResponse> {
  readonly apiKey = ApiKey.Fetch;
  readonly minVersion = 0;
  readonly maxVersion = 11;
  readonly request = FetchRequest;
  readonly response = FetchResponse;

  constructor(
    private readonly partitions: PartitionManager,
    private readonly metadata: MetadataCache,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  async handle(req: FetchRequest, ctx: RequestContext): Promise<FetchResponse> {
    const maxWait = Math.min(Math.max(req.maxWaitMs, 0), this.config['fetch.max.wait.cap.ms']);
    const deadline = Date.now() + maxWait;
    for (;;) {
      const { response, bytes, partitions, reads } = this.read(req, ctx.apiVersion);
      const left = deadline - Date.now();
      if (bytes >= req.minBytes || left <= 0 || partitions.length === 0) {
        // The response references the read buffers; they go back to the pool once the socket has written them.
        if (reads.length > 0) ctx.onResponseWritten(() => reads.forEach((r) => r.release()));
        return response;
      }
      // This response is dropped: nothing references its read buffers any more.
      for (const r of reads) r.release();
      await waitForAppend(partitions, left);
    }
  }

  private read(
    req: FetchRequest,
    version: number,
  ): { response: FetchResponse; bytes: number; partitions: Partition[]; reads: ReadResult[] } {
    const cap = this.config['fetch.max.bytes'];
    let budget = Math.min(version >= 3 && req.maxBytes > 0 ? req.maxBytes : NO_LIMIT, cap);
    let bytes = 0;
    const watched: Partition[] = [];
    const reads: ReadResult[] = [];
    const responses = req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p): PartitionData => {
        const out: PartitionData = {
          partitionIndex: p.partition,
          errorCode: ErrorCode.NONE,
          highWatermark: -1,
          lastStableOffset: -1,
          logStartOffset: -1,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: EMPTY,
        };
        const partition = this.partitions.get(t.topic, p.partition);
        if (partition === undefined) {
          const exists = this.metadata.topic(t.topic)?.partitions[p.partition] !== undefined;
          out.errorCode = exists ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          return out;
        }
        out.errorCode = partition.checkLeaderEpoch(p.currentLeaderEpoch);
        if (out.errorCode === ErrorCode.NONE && !partition.isLeader)
          out.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        if (out.errorCode !== ErrorCode.NONE) return out;
        const follower = req.replicaId >= 0 && partition.isReplicated;
        if (follower) partition.followerFetched(req.replicaId, p.fetchOffset, Date.now());
        const hw = partition.highWatermark;
        // Followers copy the whole log; consumers never see past the high watermark.
        const end = follower ? partition.logEndOffset : hw;
        out.highWatermark = hw;
        out.lastStableOffset = hw;
        out.logStartOffset = partition.logStartOffset;
        // Out of range is judged against the log end: a consumer at a committed offset above a new leader's
        // (lagging) high watermark waits for it to catch up instead of resetting its position.
        if (p.fetchOffset < partition.logStartOffset || p.fetchOffset > partition.logEndOffset) {
          out.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
          return out;
        }
        watched.push(partition);
        // Once the response budget is spent, later partitions answer empty; the first batch always goes.
        if (p.fetchOffset >= end || (budget <= 0 && bytes > 0)) return out;
        const limit = Math.max(1, Math.min(p.partitionMaxBytes, budget));
        const read = partition.log.read(p.fetchOffset, limit, end);
        reads.push(read);
        if (read.bytes > 0) {
          out.records = read.chunks;
          bytes += read.bytes;
          budget -= read.bytes;
        }
        return out;
      }),
    }));
    return {
      response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses },
      bytes,
      partitions: watched,
      reads,
    };
  }
}

function waitForAppend(partitions: Partition[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const cancels: (() => void)[] = [];
    const done = (): void => {
      clearTimeout(timer);
      for (const c of cancels) c();
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const p of partitions) cancels.push(p.onAppend(done));
  });
}
