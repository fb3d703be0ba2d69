import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { GaugeSample, TaskMetrics } from '@tributary/connect-sdk';

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

  /** Gauges tasks publish (`ctx.metrics`), by name; each holds one collector per connector task. */
  private readonly taskGauges = new Map<string, Map<string, () => GaugeSample[]>>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tributary_connect_' });
  }

  /** The `ctx.metrics` of one task; `release` unpublishes its gauges when the task stops. */
  forTask(connector: string, task: number): TaskMetrics & { release(): void } {
    const id = `${connector}/${task}`;
    const mine: Array<Map<string, () => GaugeSample[]>> = [];
    return {
      gauge: (spec) => {
        let collectors = this.taskGauges.get(spec.name);
        if (!collectors) {
          const all = (collectors = new Map());
          this.taskGauges.set(spec.name, all);
          new Gauge({
            name: spec.name,
            help: spec.help,
            labelNames: ['connector', 'task', ...spec.labelNames],
            registers: [this.registry],
            // Read at scrape time, so the figures are the task's own and never drift from its status.
            collect() {
              this.reset();
              for (const [key, collect] of all) {
                const [c, t] = key.split('/') as [string, string];
                for (const s of collect()) this.set({ ...s.labels, connector: c, task: t }, s.value);
              }
            },
          });
        }
        collectors.set(id, spec.collect);
        mine.push(collectors);
      },
      release: () => {
        for (const m of mine) m.delete(id);
      },
    };
  }
}
