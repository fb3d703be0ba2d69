import { connect, type Socket } from 'node:net';
import { FrameSplitter } from '../framing';
import { Writer } from '../primitives/writer';

/**
 * A client's Kafka protocol connection to a broker (a follower to its leader, the connect worker's producer):
 * frames requests with header v1, matches responses by correlation id and returns each response body after the
 * correlation id. Any socket error fails every pending request; the caller drops the connection and makes a
 * new one.
 */
export class BrokerConnection {
  /** Responses are as large as the fetch asked for (16 MiB here) plus headers; anything far larger is a bad stream. */
  private readonly frames = new FrameSplitter(256 * 1024 * 1024);
  private nextCorrelation = 1;
  private readonly pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly where: string,
    private readonly clientId: string,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => undefined); // surfaces as 'close'
    socket.once('close', () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error(`connection to ${this.where} closed`));
      this.pending.clear();
    });
  }

  static open(host: string, port: number, clientId: string, timeoutMs = 5000): Promise<BrokerConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`cannot connect to broker ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot connect to broker ${host}:${port}: ${e.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new BrokerConnection(socket, `${host}:${port}`, clientId));
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get address(): string {
    return this.where;
  }

  request(apiKey: number, apiVersion: number, body: Buffer, timeoutMs: number): Promise<Buffer> {
    return this.send(apiKey, apiVersion, [body], timeoutMs);
  }

  /**
   * Sends a request whose body is `w`'s chunks: large record batches go to the socket by reference, never
   * concatenated into one frame.
   */
  requestFrom(apiKey: number, apiVersion: number, w: Writer, timeoutMs: number): Promise<Buffer> {
    return this.send(apiKey, apiVersion, w.finish(), timeoutMs);
  }

  private send(
    apiKey: number,
    apiVersion: number,
    body: readonly Buffer[],
    timeoutMs: number,
  ): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error(`connection to ${this.where} is closed`));
    const correlationId = this.nextCorrelation++;
    let size = 0;
    for (const b of body) size += b.length;
    const head = new Writer(64);
    head.int32(0).int16(apiKey).int16(apiVersion).int32(correlationId).nullableString(this.clientId);
    const header = head.toBuffer();
    header.writeInt32BE(header.length - 4 + size, 0);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`broker ${this.where} did not answer api ${apiKey} within ${timeoutMs} ms`));
        this.destroy();
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
      this.socket.cork();
      this.socket.write(header);
      for (const b of body) this.socket.write(b);
      this.socket.uncork();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    try {
      this.frames.push(d, (frame) => {
        const correlationId = frame.readInt32BE(0);
        const waiter = this.pending.get(correlationId);
        if (!waiter) return;
        this.pending.delete(correlationId);
        waiter.resolve(frame.subarray(4));
      });
    } catch {
      // A size no Kafka response has: the stream is unusable; 'close' fails what is pending.
      this.socket.destroy();
    }
  }
}
