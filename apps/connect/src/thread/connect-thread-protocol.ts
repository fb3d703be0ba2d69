import type { PipelineFile, WorkerSettings } from '../pipeline/connector-spec';

/** What the main thread hands the connect worker thread. */
export interface ConnectThreadData {
  settings: WorkerSettings;
  files: PipelineFile[];
}

/** Messages from the worker thread to the main thread. */
export type FromConnectThread =
  | { type: 'ready'; url: string; connectors: string[] }
  | { type: 'failed'; message: string }
  | { type: 'closed' };

/** Messages from the main thread to the worker thread. */
export type ToConnectThread = { type: 'close' };
