import type { Socket } from 'node:net';
import type { Logger } from '@tributary/common';
import {
  ApiKey,
  ApiVersionsResponse,
  ErrorCode,
  FrameSplitter,
  ProtocolDecodeError,
  Reader,
  Writer,
  readRequestHeader,
  writeResponseHeader,
  type RequestHeader,
} from '@tributary/protocol';
import { ReadBufferPool } from '@tributary/storage';
import { NO_RESPONSE, type ApiHandler, type RequestContext } from '../handlers/api-handler';
import type { HandlerRegistry } from '../handlers/handler-registry';

export interface ConnectionLimits {
  maxFrameBytes: number;
  idleMs: number;
  /** Requests decoded but not yet answered; past this the socket stops reading (backpressure). */
  maxInFlight: number;
}

interface Slot {
  chunks: Buffer[] | null;
  done: boolean;
  /** RequestContext.onResponseWritten callbacks; run when the write of `chunks` completes. */
  written: (() => void)[] | null;
}

/**
 * Buffers that requests spanning several socket reads are assembled in, shared by all connections. Sized for
 * librdkafka's and the Java client's largest default produce request (1 MB batch plus headers); smaller requests
 * get their own buffer, and only handlers that call RequestContext.releaseRequest (Produce) give one back.
 */
const FRAME_POOL = new ReadBufferPool((1 << 20) + (64 << 10), 256 << 10, 8);

/** Past this many bytes queued for the socket, stop reading requests until the client catches up. */
const WRITE_HIGH_WATER = 64 * 1024 * 1024;

/**
 * One client connection. Requests are decoded and started in arrival order and may complete out of order
 * (a long-polling Fetch next to a Produce), but responses leave strictly in request order, as every Kafka
 * client requires. A frame that does not parse closes this connection only.
 */
export class Connection {
  private readonly splitter: FrameSplitter;
  private readonly slots: Slot[] = [];
  private closed = false;
  private paused = false;

  constructor(
    private readonly socket: Socket,
    readonly id: number,
    private readonly registry: HandlerRegistry,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
  ) {
    this.splitter = new FrameSplitter(limits.maxFrameBytes, FRAME_POOL);
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleMs, () => this.close('idle timeout'));
    socket.on('data', (d) => this.onData(d));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (e) => this.close(`socket error: ${e.message}`));
    socket.on('close', () => {
      this.closed = true;
    });
  }

  get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  private onData(data: Buffer): void {
    if (this.closed) return;
    try {
      this.splitter.push(data, (frame, assembled) => this.onFrame(frame, assembled));
    } catch (e) {
      this.close((e as Error).message);
    }
  }

  /** `assembled`: the buffer holding `frame` when it was copied together from several reads (see FRAME_POOL). */
  private onFrame(frame: Buffer, assembled: Buffer | null): void {
    if (this.closed) return;
    const r = new Reader(frame);
    let header: RequestHeader;
    try {
      header = readRequestHeader(r);
    } catch (e) {
      this.close(`unreadable request header: ${(e as Error).message}`);
      return;
    }
    const handler = this.registry.get(header.apiKey);
    if (!handler) {
      this.close(`unknown API key ${header.apiKey}`);
      return;
    }
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      if (header.apiKey === ApiKey.ApiVersions) {
        this.answerUnsupportedApiVersions(header);
        return;
      }
      this.close(
        `unsupported version ${header.apiVersion} of API key ${header.apiKey} (${handler.minVersion}-${handler.maxVersion} served)`,
      );
      return;
    }
    let body: unknown;
    try {
      body = handler.request.decode(r, header.apiVersion);
    } catch (e) {
      const why = e instanceof ProtocolDecodeError ? e.message : String(e);
      this.close(`malformed ${handler.request.name} v${header.apiVersion}: ${why}`);
      return;
    }
    this.dispatch(handler, header, body, assembled);
  }

  private dispatch(
    handler: ApiHandler,
    header: RequestHeader,
    body: unknown,
    assembled: Buffer | null,
  ): void {
    const slot: Slot = { chunks: null, done: false, written: null };
    this.slots.push(slot);
    if (this.slots.length >= this.limits.maxInFlight) this.pause();
    const ctx: RequestContext = {
      apiVersion: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
      connectionId: this.id,
      remote: this.remote,
      onResponseWritten: (release) => (slot.written ??= []).push(release),
      releaseRequest: () => {
        if (assembled !== null) FRAME_POOL.release(assembled);
        assembled = null;
      },
    };
    const finish = (res: unknown): void => {
      if (res !== NO_RESPONSE) slot.chunks = this.encode(handler, header, res);
      slot.done = true;
      this.flush();
    };
    const fail = (e: unknown): void => {
      this.log.error(
        { err: e, api: handler.request.name, version: header.apiVersion },
        'handler failed; closing connection',
      );
      slot.done = true;
      this.close('internal error');
    };
    try {
      // Called synchronously so that the synchronous part of each handler runs in request order.
      const out = handler.handle(body as never, ctx);
      if (out instanceof Promise) out.then(finish, fail);
      else finish(out);
    } catch (e) {
      fail(e);
    }
  }

  private encode(handler: ApiHandler, header: RequestHeader, res: unknown): Buffer[] {
    const w = new Writer(512);
    const patchSize = w.reserveInt32();
    writeResponseHeader(w, header.correlationId);
    handler.response.encode(w, header.apiVersion, res as never);
    patchSize(w.length - 4);
    return w.finish();
  }

  /**
   * KIP-511: answer an ApiVersions version we do not serve with error 35 in the v0 layout (v0 header too),
   * listing every range we serve so the client can retry with a version we support.
   */
  private answerUnsupportedApiVersions(header: RequestHeader): void {
    const w = new Writer(256);
    const patchSize = w.reserveInt32();
    writeResponseHeader(w, header.correlationId);
    ApiVersionsResponse.encode(w, 0, {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: this.registry.versions(),
      throttleTimeMs: 0,
    });
    patchSize(w.length - 4);
    this.slots.push({ chunks: w.finish(), done: true, written: null });
    this.flush();
  }

  private flush(): void {
    if (this.closed) return;
    let wrote = false;
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const slot = this.slots.shift()!;
      const written = slot.written;
      if (!slot.chunks) {
        // No response (acks=0): nothing will reference the buffers.
        if (written) for (const release of written) release();
        continue;
      }
      if (!wrote) this.socket.cork();
      wrote = true;
      const chunks = slot.chunks;
      const last = chunks.length - 1;
      for (let i = 0; i < last; i++) this.socket.write(chunks[i]);
      // Stream writes complete in order, so the last chunk's callback means every chunk of this response has
      // been taken by the kernel (or failed): only then may the buffers behind them be reused.
      if (written) this.socket.write(chunks[last], () => written.forEach((release) => release()));
      else this.socket.write(chunks[last]);
    }
    if (wrote) this.socket.uncork();
    this.maybeResume();
  }

  private pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (this.socket.writableLength > WRITE_HIGH_WATER) {
      this.pause();
      return;
    }
    if (this.paused && this.slots.length < this.limits.maxInFlight) {
      this.paused = false;
      this.socket.resume();
    }
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.log.info({ conn: this.id, remote: this.remote, reason }, 'closing connection');
    this.socket.destroy();
  }
}
