import { createServer, connect, type Server, type Socket } from 'node:net';
import { logger } from '@tributary/common';
import {
  ApiKey,
  ApiVersionsRequest,
  ApiVersionsResponse,
  encodeRequestFrame,
  ErrorCode,
} from '@tributary/protocol';
import type { ApiHandler, RequestContext } from '../handlers/api-handler';
import { HandlerRegistry } from '../handlers/handler-registry';
import { Connection } from './connection';

type Answer = ApiVersionsResponse;

/** A stand-in handler: each request waits for the test to answer it through `pending`. */
class ControlledHandler implements ApiHandler<typeof ApiVersionsRequest, typeof ApiVersionsResponse> {
  readonly apiKey = ApiKey.ApiVersions;
  readonly minVersion = 0;
  readonly maxVersion = 2;
  readonly request = ApiVersionsRequest;
  readonly response = ApiVersionsResponse;
  readonly pending: { ctx: RequestContext; answer: (r: Answer) => void }[] = [];

  handle(_req: unknown, ctx: RequestContext): Promise<Answer> {
    return new Promise((answer) => this.pending.push({ ctx, answer }));
  }
}

const answer: Answer = { errorCode: ErrorCode.NONE, apiKeys: [], throttleTimeMs: 0 };

describe('Connection response-written callbacks', () => {
  let server: Server;
  let client: Socket;
  let handler: ControlledHandler;
  let received = 0;

  beforeEach(async () => {
    handler = new ControlledHandler();
    const registry = new HandlerRegistry([handler as unknown as ApiHandler]);
    server = createServer(
      (s) =>
        new Connection(
          s,
          1,
          registry,
          { maxFrameBytes: 1 << 20, idleMs: 10_000, maxInFlight: 10 },
          logger('test'),
        ),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    received = 0;
    client = connect(port, '127.0.0.1');
    client.on('data', (d: Buffer) => (received += d.length));
    await new Promise<void>((r) => client.once('connect', () => r()));
  });

  afterEach(async () => {
    client.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const until = async (cond: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(cond()).toBe(true);
  };

  it('runs the callback once, after the response was written, not when the handler registers it', async () => {
    client.write(encodeRequestFrame(ApiKey.ApiVersions, 0, 7, Buffer.alloc(0), 'c'));
    await until(() => handler.pending.length === 1);
    const released: number[] = [];
    handler.pending[0]!.ctx.onResponseWritten(() => released.push(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toEqual([]); // no response yet, nothing written
    handler.pending[0]!.answer(answer);
    await until(() => released.length > 0 && received > 0);
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toEqual([1]);
  });

  it('waits for the earlier response in order before writing (and releasing) a later one', async () => {
    client.write(encodeRequestFrame(ApiKey.ApiVersions, 0, 1, Buffer.alloc(0), 'c'));
    client.write(encodeRequestFrame(ApiKey.ApiVersions, 0, 2, Buffer.alloc(0), 'c'));
    await until(() => handler.pending.length === 2);
    const released: number[] = [];
    handler.pending[1]!.ctx.onResponseWritten(() => released.push(2));
    handler.pending[1]!.answer(answer);
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toEqual([]); // queued behind request 1: not written yet
    handler.pending[0]!.answer(answer);
    await until(() => released.length === 1);
  });

  it('never runs the callback when the connection closes before the response is written', async () => {
    client.write(encodeRequestFrame(ApiKey.ApiVersions, 0, 3, Buffer.alloc(0), 'c'));
    await until(() => handler.pending.length === 1);
    const released: number[] = [];
    handler.pending[0]!.ctx.onResponseWritten(() => released.push(1));
    client.destroy();
    await new Promise((r) => setTimeout(r, 50));
    handler.pending[0]!.answer(answer);
    await new Promise((r) => setTimeout(r, 50));
    expect(released).toEqual([]);
  });
});
