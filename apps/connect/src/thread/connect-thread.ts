import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { CONNECTORS } from '@tributary/connectors';
import { startConnectWorker, type RunningWorker } from '../start-connect';
import type { ConnectThreadData, FromConnectThread, ToConnectThread } from './connect-thread-protocol';

/** Entry of the connect worker thread: runs the worker and answers the main thread's close request. */
const port = parentPort!;
const post = (m: FromConnectThread) => port.postMessage(m);
const { settings, files } = workerData as ConnectThreadData;

let running: RunningWorker | null = null;
port.on('message', (m: ToConnectThread) => {
  if (m.type !== 'close') return;
  void (running?.close() ?? Promise.resolve()).finally(() => {
    post({ type: 'closed' });
    port.close();
  });
});

startConnectWorker(settings, CONNECTORS, files).then(
  (r) => {
    running = r;
    post({ type: 'ready', url: r.url, connectors: r.worker.names() });
  },
  (e: unknown) => post({ type: 'failed', message: e instanceof Error ? e.message : String(e) }),
);
