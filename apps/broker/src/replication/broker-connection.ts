import { connect, type Socket } from 'node:net';
import { encodeRequestFrame, FrameSplitter } from '@tributary/protocol';

/**
 * A Kafka protocol connection from this broker to another (a follower to its leader): frames requests with
 * header v1, matches responses by correlation id and returns each response body after the correlation id.
 * Any socket error fails every pending request; the caller drops the connection and makes a new one.
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

  request(apiKey: number, apiVersion: number, body: Buffer, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error(`connection to ${this.where} is closed`));
    const correlationId = this.nextCorrelation++;
    const frame = encodeRequestFrame(apiKey, apiVersion, correlationId, body, this.clientId);
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
      this.socket.write(frame);
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
