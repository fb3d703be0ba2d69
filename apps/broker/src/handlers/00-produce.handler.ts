import { Injectable } from '@nestjs/common';
import { logger } from '@tributary/common';
import { ApiKey, ErrorCode, ProduceRequest, ProduceResponse } from '@tributary/protocol';
import { MetadataCache } from '../metadata/metadata-cache';
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

  constructor(
    private readonly appender: ProduceAppender,
    private readonly metadata: MetadataCache,
  ) {}

  handle(
    req: ProduceRequest,
    ctx: RequestContext,
  ): ProduceResponse | Promise<ProduceResponse | typeof NO_RESPONSE> | typeof NO_RESPONSE {
    // Cluster mode: a topic created a moment ago may not be applied here yet; learn it before answering.
    const wait = this.metadata.catchUpFor(req.topicData.map((t) => t.name));
    return wait ? wait.then(() => this.produce(req, ctx)) : this.produce(req, ctx);
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
    if (acks === 0) {
      if (pending.length > 0)
        void Promise.all(pending).catch((e: unknown) => this.log.error({ err: e }, 'acks=0 append failed'));
      return NO_RESPONSE;
    }
    const response: ProduceResponse = { responses, throttleTimeMs: 0 };
    if (pending.length === 0) return response;
    return Promise.all(pending).then(() => response);
  }
}

function fill(out: PartitionResponse, r: PartitionAppend): void {
  out.errorCode = r.errorCode;
  out.baseOffset = r.baseOffset;
  out.logStartOffset = r.logStartOffset;
  if (r.errorCode !== ErrorCode.NONE) out.baseOffset = -1;
}
