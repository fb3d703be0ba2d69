import { createServer } from 'node:net';

/**
 * Asks the OS for a currently free loopback TCP port (bind to port 0, read it, close). Another process could
 * take it before the caller binds; on a test machine that race is rare enough to accept.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error(`could not read the port the OS assigned on ${host}`));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}
