import { startBroker, type BrokerHandle } from './broker-process';

export interface ConnectWorkerHandle extends BrokerHandle {
  /** The REST API, e.g. http://127.0.0.1:41234. */
  readonly url: string;
}

/**
 * Starts the built `tributary connect` worker as a real process against `bootstrap`, running the given
 * pipeline files, and waits until its REST API accepts connections (internal topics are loaded by then).
 * kill9/restart/stop/logs behave as for a broker.
 */
export async function startConnectWorkerProcess(opts: {
  bootstrap: string;
  pipelines: string[];
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}): Promise<ConnectWorkerHandle> {
  const h = await startBroker({
    label: 'connect worker',
    env: opts.env,
    startTimeoutMs: opts.startTimeoutMs ?? 30_000,
    args: (port) => [
      'connect',
      '--bootstrap',
      opts.bootstrap,
      '--connect-port',
      String(port),
      ...opts.pipelines,
    ],
  });
  return Object.assign(h, { url: `http://127.0.0.1:${h.port}` });
}
