import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The worker's Prometheus metrics, served on `GET /metrics`. Labels: connector and task. */
export class ConnectMetrics {
  readonly registry = new Registry();
  readonly sourceRecords = new Counter({
    name: 'tributary_connect_source_records_total',
    help: 'Records a source task handed to the brokers and that were acked',
    labelNames: ['connector', 'task'],
    registers: [this.registry],
  });
  readonly sinkRecords = new Counter({
    name: 'tributary_connect_sink_records_total',
    help: 'Records a sink task wrote and the target acknowledged (committed)',
    labelNames: ['connector', 'task'],
    registers: [this.registry],
  });
  readonly filtered = new Counter({
    name: 'tributary_connect_filtered_records_total',
    help: 'Records dropped by a transform',
    labelNames: ['connector', 'task'],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'tributary_connect_record_errors_total',
    help: 'Records that failed, by stage (source, converter, transform, put)',
    labelNames: ['connector', 'task', 'stage'],
    registers: [this.registry],
  });
  readonly dlq = new Counter({
    name: 'tributary_connect_dlq_records_total',
    help: 'Records written to a dead letter queue',
    labelNames: ['connector', 'task'],
    registers: [this.registry],
  });
  readonly offsetCommits = new Counter({
    name: 'tributary_connect_offset_commits_total',
    help: 'Source offset writes and sink offset commits',
    labelNames: ['connector', 'task'],
    registers: [this.registry],
  });
  readonly restarts = new Counter({
    name: 'tributary_connect_task_restarts_total',
    help: 'Automatic and requested task restarts',
    labelNames: ['connector', 'task'],
    registers: [this.registry],
  });
  readonly taskState = new Gauge({
    name: 'tributary_connect_task_state',
    help: '1 for the state a task is in (UNASSIGNED, RUNNING, PAUSED, STOPPED, FAILED, RESTARTING)',
    labelNames: ['connector', 'task', 'state'],
    registers: [this.registry],
  });
  readonly stalled = new Gauge({
    name: 'tributary_connect_task_stalled',
    help: '1 while a running task makes no progress for longer than its stall.timeout',
    labelNames: ['connector', 'task'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tributary_connect_' });
  }
}
