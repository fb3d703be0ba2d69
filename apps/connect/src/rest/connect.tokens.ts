/** Injection token of the ConnectWorker the controllers serve. */
export const CONNECT_WORKER = Symbol('CONNECT_WORKER');
