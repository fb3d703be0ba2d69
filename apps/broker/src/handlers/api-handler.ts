import type { ApiKey, MessageDef, MessageOf } from '@tributary/protocol';

/** What a handler knows about the request beyond its body. */
export interface RequestContext {
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connectionId: number;
  readonly remote: string;
  /**
   * Runs `release` once this request's response has been handed to the kernel (or its write failed), so
   * buffers the response references rather than copies (Fetch read buffers) can be reused. Not run when the
   * response is never written (connection closed first): those buffers are then left to the garbage collector.
   */
  onResponseWritten(release: () => void): void;
  /**
   * The handler calls this once nothing it started still reads the request's bytes (views into them included):
   * the connection may then reuse the buffer the request arrived in. A handler that never calls it leaves that
   * buffer to the garbage collector, which is always safe. Produce calls it; requests whose decoded fields are
   * kept (group metadata, for instance) must not.
   */
  releaseRequest(): void;
}

/** Returned by a handler that must not answer (Produce with acks=0). */
export const NO_RESPONSE = Symbol('no-response');

/**
 * One Kafka API. `minVersion..maxVersion` is what ApiVersions advertises; the request/response tables must cover
 * that range. `handle` may do synchronous work before its first await: requests on a connection are started in
 * arrival order, so appends keep the order in which a client pipelined them.
 */
export interface ApiHandler<Req extends MessageDef = MessageDef, Res extends MessageDef = MessageDef> {
  readonly apiKey: ApiKey;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly request: Req;
  readonly response: Res;
  handle(
    req: MessageOf<Req>,
    ctx: RequestContext,
  ): MessageOf<Res> | typeof NO_RESPONSE | Promise<MessageOf<Res> | typeof NO_RESPONSE>;
}
