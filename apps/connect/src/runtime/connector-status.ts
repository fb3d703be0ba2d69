import type { ConnectorSpec } from '../pipeline/connector-spec';
import type { ConnectWorker } from './connect-worker';

/** Kafka Connect's status payload, plus `health` (HEALTHY | STALLED) and restart bookkeeping per task. */
export function connectorStatus(worker: ConnectWorker, name: string) {
  const r = worker.runner(name);
  const now = Date.now();
  return {
    name,
    connector: { state: r.state, worker_id: worker.workerId, ...(r.failure ? { trace: r.failure } : {}) },
    tasks: r.tasks().map((t) => {
      const stalled = t.stalled(r.spec.stallTimeoutMs, now);
      const details = r.details(t.id);
      return {
        id: t.id,
        state: t.state,
        worker_id: worker.workerId,
        health: stalled ? 'STALLED' : 'HEALTHY',
        ...(stalled ? { stalled: { operation: stalled.op, for_ms: stalled.forMs } } : {}),
        ...(t.trace ? { trace: t.trace } : {}),
        restarts: t.restarts,
        ...(t.nextRestartAt ? { next_restart_at: new Date(t.nextRestartAt).toISOString() } : {}),
        ...(details && Object.keys(details).length > 0 ? { details } : {}),
      };
    }),
    type: r.def.kind,
  };
}

/** A spec in the shape of a pipeline-file entry (what `GET /connectors/{name}/config` returns). */
export function specToEntry(spec: ConnectorSpec): Record<string, unknown> {
  return {
    type: spec.type,
    ...(spec.kind === 'sink'
      ? spec.topicsRegex
        ? { 'topics.regex': spec.topicsRegex }
        : { topics: spec.topics }
      : {}),
    config: spec.config,
    transforms: spec.transforms.map((t) => ({ type: t.type, ...t.options })),
    errors: {
      tolerance: spec.errors.tolerance,
      'retry.timeout': spec.errors.retryTimeoutMs,
      'retry.delay.max': spec.errors.retryDelayMaxMs,
      'dlq.topic': spec.errors.dlqTopic,
      'dlq.context.headers': spec.errors.dlqContextHeaders,
      log: spec.errors.log,
    },
    // restart, converter and stall.timeout too: PUTting back what GET returned must not silently reset them.
    restart: {
      auto: spec.restart.auto,
      'initial.delay': spec.restart.initialDelayMs,
      'max.delay': spec.restart.maxDelayMs,
      'max.attempts': spec.restart.maxAttempts,
    },
    'tasks.max': spec.tasksMax,
    converter: { key: spec.converter.key, value: spec.converter.value },
    'stall.timeout': spec.stallTimeoutMs,
    origin: 'file' in spec.origin ? `${spec.origin.file}:${spec.origin.line}` : 'rest',
  };
}

/** Every task of every connector, for /health and the worker's summary. */
export function unhealthyTasks(worker: ConnectWorker): string[] {
  const out: string[] = [];
  for (const name of worker.names()) {
    const s = connectorStatus(worker, name);
    if (s.connector.state === 'FAILED') out.push(`${name}: connector FAILED`);
    for (const t of s.tasks) {
      if (t.state === 'FAILED') out.push(`${name}/${t.id}: FAILED`);
      else if (t.health === 'STALLED') out.push(`${name}/${t.id}: STALLED in ${t.stalled?.operation}`);
    }
  }
  return out;
}
