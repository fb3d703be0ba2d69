import { connect, type Socket } from 'node:net';
import { encodeRequestFrame } from '@tributary/protocol';
import { trackSocket } from './socket-registry';

/**
 * A bare Kafka protocol connection for tests that must send exactly the bytes they choose (bad frames, unknown
 * versions, hand-built batches). It frames requests with header v1 and matches responses by correlation id;
 * response bodies are returned raw (after the correlation id) for the test to decode.
 */
export class RawKafkaClient {
  private buffered: Buffer = Buffer.alloc(0);
  private nextCorrelation = 1;
  private readonly pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private closedFlag = false;
  private readonly closedPromise: Promise<void>;

  private constructor(private readonly socket: Socket) {
    this.closedPromise = new Promise((resolve) => {
      socket.once('close', () => {
        this.closedFlag = true;
        for (const p of this.pending.values())
          p.reject(new Error('connection closed by the broker before it answered'));
        this.pending.clear();
        resolve();
      });
    });
    socket.on('error', () => undefined); // resets surface as 'close'
    socket.on('data', (d: Buffer) => this.onData(d));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawKafkaClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      trackSocket(socket);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new RawKafkaClient(socket));
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Writes arbitrary bytes. */
  sendRaw(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Half-closes our side (the broker sees end of stream). */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves true once the broker has closed the connection, false if still open after `timeoutMs`. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const result = await Promise.race([this.closedPromise.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Sends one request (header v1 + body) and resolves with the response body after the correlation id. */
  request(
    apiKey: number,
    apiVersion: number,
    body: Buffer,
    clientId: string | null = 'raw-test',
    timeoutMs = 10_000,
  ): Promise<Buffer> {
    const correlationId = this.nextCorrelation++;
    const frame = encodeRequestFrame(apiKey, apiVersion, correlationId, body, clientId);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`no response to api key ${apiKey} v${apiVersion} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(correlationId, {
        resolve: (b) => {
          clearTimeout(timer);
          resolve(b);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      if (this.closedFlag) {
        this.pending.get(correlationId)!.reject(new Error('connection already closed'));
        this.pending.delete(correlationId);
        return;
      }
      this.socket.write(frame);
    });
  }

  private onData(d: Buffer): void {
    this.buffered = this.buffered.length === 0 ? d : Buffer.concat([this.buffered, d]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const correlationId = frame.readInt32BE(0);
      const waiter = this.pending.get(correlationId);
      if (waiter) {
        this.pending.delete(correlationId);
        waiter.resolve(frame.subarray(4));
      }
    }
  }
}
