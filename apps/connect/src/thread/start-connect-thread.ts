import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PipelineFile, WorkerSettings } from '../pipeline/connector-spec';
import type { ConnectThreadData, FromConnectThread } from './connect-thread-protocol';

/** Old-generation heap of the connect thread; V8 otherwise grows it toward a quarter of RAM before collecting. */
const DEFAULT_HEAP_MB = 128;

export interface ConnectThread {
  url: string;
  connectors: string[];
  /** Graceful stop: tasks flush and store their offsets, then the thread ends. */
  close(): Promise<void>;
}

/**
 * Runs the connect worker in a worker thread with a bounded heap (`TRIBUTARY_CONNECT_HEAP_MB`, default 128), in
 * the same process as the caller: one process to run and to kill, and the worker's memory stays bounded under
 * load (a 1M-row transaction) instead of V8 letting garbage pile up to hundreds of MB. The process exits if the
 * thread dies unexpectedly, so a supervisor restarts it and offsets resume.
 */
export function startConnectThread(
  settings: WorkerSettings,
  files: readonly PipelineFile[],
): Promise<ConnectThread> {
  const heapMb = Number(process.env.TRIBUTARY_CONNECT_HEAP_MB ?? DEFAULT_HEAP_MB);
  const data: ConnectThreadData = { settings, files: [...files] };
  const worker = new Worker(join(__dirname, 'connect-thread.js'), {
    workerData: data,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
  });
  let closing = false;
  let closed: (() => void) | null = null;
  return new Promise((resolve, reject) => {
    worker.on('message', (m: FromConnectThread) => {
      if (m.type === 'ready') {
        resolve({
          url: m.url,
          connectors: m.connectors,
          close: () =>
            new Promise<void>((done) => {
              closing = true;
              closed = done;
              worker.postMessage({ type: 'close' });
            }),
        });
      } else if (m.type === 'failed') {
        closing = true;
        reject(new Error(explainStartFailure(m.message, settings)));
        void worker.terminate();
      } else if (m.type === 'closed') {
        closed?.();
      }
    });
    worker.on('error', (e) => {
      const oom = (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      process.stderr.write(
        oom
          ? `tributary: the connect worker ran out of its ${heapMb} MB heap; raise TRIBUTARY_CONNECT_HEAP_MB (or lower a connector's batch or queue size) and start it again: offsets resume where they were stored\n`
          : `tributary: the connect worker failed: ${e.message}; see the log lines above, fix the cause and start it again (offsets resume where they were stored)\n`,
      );
      process.exit(1);
    });
    worker.on('exit', (code) => {
      if (closing) {
        closed?.();
        return;
      }
      process.stderr.write(
        `tributary: the connect worker thread exited unexpectedly (code ${code}); see the log lines above and start it again (offsets resume where they were stored)\n`,
      );
      process.exit(1);
    });
  });
}

/** The worker could not start: say what to check, for the two failures users meet most. */
function explainStartFailure(message: string, settings: WorkerSettings): string {
  if (/EADDRINUSE/.test(message)) {
    return `cannot start the connect worker: ${settings.restHost}:${settings.restPort} is already in use (${message}); pick another --connect-port or worker.rest.port`;
  }
  if (/ECONNREFUSED|ENOTFOUND|Connection error|NumberOfRetriesExceeded|connect ETIMEDOUT/i.test(message)) {
    return `cannot start the connect worker: the brokers at ${settings.bootstrap.join(',')} are not reachable (${message}); check --bootstrap or worker.bootstrap and that the brokers run`;
  }
  return `cannot start the connect worker: ${message}`;
}
