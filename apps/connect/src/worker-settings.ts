import type { WorkerSettings } from './pipeline/connector-spec';

/** Defaults of the worker settings; a pipeline file's `worker:` section and command-line flags override them. */
export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  bootstrap: ['127.0.0.1:9092'],
  restHost: '127.0.0.1',
  restPort: 8083,
  offsetsTopic: '_tributary-connect-offsets',
  configsTopic: '_tributary-connect-configs',
  statusTopic: '_tributary-connect-status',
  // 0 = derived at start: min(3, brokers in the cluster).
  replicationFactor: 0,
  groupPrefix: 'connect-',
  offsetFlushIntervalMs: 1000,
};

export function resolveWorkerSettings(...layers: Partial<WorkerSettings>[]): WorkerSettings {
  const out: WorkerSettings = { ...DEFAULT_WORKER_SETTINGS };
  for (const l of layers) {
    for (const [k, v] of Object.entries(l))
      if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}
