import { Injectable } from '@nestjs/common';
import { logger } from '@tributary/common';
import { ApiKey, ErrorCode, ProduceRequest, ProduceResponse } from '@tributary/protocol';
import { MetadataCache } from '../metadata/metadata-cache';
import { PartitionManager } from '../partitions/partition-manager';
import { ProduceAppender, type PartitionAppend } from '../partitions/produce-appender';
import type { ApiHandler, RequestContext } from './api-handler';
import { NO_RESPONSE } from './api-handler';

type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

/**
 * Produce v0-7 (v3+ carries RecordBatch v2; older message formats are refused with CORRUPT_MESSAGE).
 * Each partition's batch is validated without copying, appended in request order, and acknowledged per
 * `acks`: 0 answers nothing, 1 after the append, -1 after the group-committed fsync (see log.flush.before.ack).
 */
@Injectable()
export class ProduceHandler implements ApiHandler<typeof ProduceRequest, typeof ProduceResponse> {
  readonly apiKey = ApiKey.Produce;
  readonly minVersion = 0;
  readonly maxVersion = 7;
  readonly request = ProduceRequest;
  readonly response = ProduceResponse;
  private readonly log = logger('produce');
  /** Per connection: the produce request others must start after (set only while one waits for metadata). */
  private readonly held = new Map<number, Promise<void>>();

  constructor(
    private readonly appender: ProduceAppender,
    private readonly metadata: MetadataCache,
    private readonly partitions: PartitionManager,
  ) {}

  handle(
    req: ProduceRequest,
    ctx: RequestContext,
  ): ProduceResponse | Promise<ProduceResponse | typeof NO_RESPONSE> | typeof NO_RESPONSE {
    // Cluster mode: the client may know of a new topic or a leadership change this broker has not applied yet
    // (it heard from a broker that learned first). Answering NOT_LEADER for one batch and taking the next one a
    // moment later would break an idempotent producer's sequence, so catch up with the coordinator first.
    const wait = this.ledHere(req) ? null : this.metadata.refreshedSince(this.metadata.refreshMark());
    const before = this.held.get(ctx.connectionId);
    if (!wait && !before) return this.produce(req, ctx);
    // Later requests on this connection queue behind this one, so their appends keep the pipelined order.
    const started = Promise.all([before, wait]).then(() => undefined);
    const result = started.then(() => this.produce(req, ctx));
    this.held.set(ctx.connectionId, started);
    void started.then(() => {
      if (this.held.get(ctx.connectionId) === started) this.held.delete(ctx.connectionId);
    });
    return result;
  }

  /** True when this broker leads every partition the request names. */
  private ledHere(req: ProduceRequest): boolean {
    for (const t of req.topicData) {
      for (const p of t.partitionData)
        if (this.partitions.get(t.name, p.index)?.isLeader !== true) return false;
    }
    return true;
  }

  private produce(
    req: ProduceRequest,
    ctx: RequestContext,
  ): ProduceResponse | Promise<ProduceResponse> | typeof NO_RESPONSE {
    const acks = req.acks;
    const pending: Promise<void>[] = [];
    const responses = req.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => {
        const out: PartitionResponse = {
          index: p.index,
          errorCode: ErrorCode.NONE,
          baseOffset: -1,
          logAppendTimeMs: -1,
          logStartOffset: -1,
        };
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          out.errorCode = ErrorCode.INVALID_REQUIRED_ACKS;
          return out;
        }
        const result = this.appender.append(t.name, p.index, p.records, ctx.apiVersion, acks, req.timeoutMs);
        if (result instanceof Promise) pending.push(result.then((r) => fill(out, r)));
        else fill(out, result);
        return out;
      }),
    }));
    // Every append has written its batch once `pending` settles: the request's bytes may then be reused. On a
    // failure some appends may still be queued, so the buffer is left to the garbage collector instead.
    if (acks === 0) {
      if (pending.length === 0) ctx.releaseRequest();
      else
        void Promise.all(pending).then(
          () => ctx.releaseRequest(),
          (e: unknown) => this.log.error({ err: e }, 'acks=0 append failed'),
        );
      return NO_RESPONSE;
    }
    const response: ProduceResponse = { responses, throttleTimeMs: 0 };
    if (pending.length === 0) {
      ctx.releaseRequest();
      return response;
    }
    return Promise.all(pending).then(() => {
      ctx.releaseRequest();
      return response;
    });
  }
}

function fill(out: PartitionResponse, r: PartitionAppend): void {
  out.errorCode = r.errorCode;
  out.baseOffset = r.baseOffset;
  out.logStartOffset = r.logStartOffset;
  if (r.errorCode !== ErrorCode.NONE) out.baseOffset = -1;
}
