import { hostname } from 'node:os';
import type { ConnectorDefinition } from '@tributary/connect-sdk';
import { logger } from '@tributary/common';
import type { ConnectorSpec, WorkerSettings } from '../pipeline/connector-spec';
import { parseConnectorEntry } from '../pipeline/parse-connector-entry';
import { specFingerprint } from '../pipeline/spec-fingerprint';
import { buildTransforms } from '../transforms/registry';
import { WorkerKafka } from '../kafka/worker-kafka';
import { readTopicToEnd } from '../kafka/read-topic';
import { ConnectMetrics } from './metrics';
import { OffsetStore } from './offset-store';
import { ConnectStore, type TargetState } from './connect-store';
import { ConnectorRunner } from './connector-runner';
import type { TaskTracker } from './task-tracker';
import { ConnectRequestError } from './connect-request-error';

/**
 * The connect worker: loads its internal topics, runs one ConnectorRunner per connector, and applies changes
 * from pipeline files (hot reload) and the REST API. Connectors from a file belong to the file: REST may pause,
 * resume, stop and restart them but not change their config.
 */
export class ConnectWorker {
  readonly metrics = new ConnectMetrics();
  readonly kafka: WorkerKafka;
  readonly offsets: OffsetStore;
  readonly store: ConnectStore;
  readonly workerId: string;
  private readonly runners = new Map<string, { runner: ConnectorRunner; fingerprint: string }>();
  private readonly log = logger('connect');
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly settings: WorkerSettings,
    readonly registry: readonly ConnectorDefinition[],
  ) {
    this.kafka = new WorkerKafka(settings.bootstrap, settings.replicationFactor);
    this.offsets = new OffsetStore(this.kafka.producer, settings.offsetsTopic);
    this.store = new ConnectStore(this.kafka.producer, settings.configsTopic, settings.statusTopic);
    this.workerId = `${hostname()}:${settings.restPort}`;
  }

  /** Connects, creates and loads the internal topics, and starts the connectors created through REST. */
  async start(): Promise<void> {
    await this.kafka.connect();
    await this.kafka.ensureTopic(this.settings.offsetsTopic, { partitions: 5, compacted: true });
    await this.kafka.ensureTopic(this.settings.configsTopic, { partitions: 1, compacted: true });
    await this.kafka.ensureTopic(this.settings.statusTopic, { partitions: 1, compacted: true });
    await readTopicToEnd(this.kafka.kafka, this.settings.offsetsTopic, (m) =>
      this.offsets.apply(m.key ?? null, m.value),
    );
    await readTopicToEnd(this.kafka.kafka, this.settings.configsTopic, (m) =>
      this.store.apply(m.key ?? null, m.value),
    );
    for (const c of this.store.restConnectors.values()) {
      try {
        await this.startConnector(this.parseEntry(c.name, c.entry));
      } catch (e) {
        this.log.error(
          { connector: c.name, err: (e as Error).message },
          'stored connector config is no longer valid; not started',
        );
      }
    }
  }

  /** Serialises changes so a reload and a REST call never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Applies a pipeline file: new connectors start, changed ones restart, removed ones stop, unchanged keep running. */
  applyFile(path: string, specs: readonly ConnectorSpec[]): Promise<void> {
    return this.serial(async () => {
      const wanted = new Map(specs.map((s) => [s.name, s]));
      for (const [name, { runner }] of this.runners) {
        const origin = runner.spec.origin;
        if ('file' in origin && origin.file === path && !wanted.has(name)) {
          this.log.info({ connector: name }, 'removed from the pipeline file; stopping');
          await runner.shutdown();
          this.runners.delete(name);
          // Removing is deleting: forget a REST pause/stop (as DELETE does), or adding the connector back
          // later would start it PAUSED or STOPPED instead of as its entry says.
          if (this.store.targetStates.has(name)) await this.store.putTargetState(name, null);
        }
      }
      for (const spec of specs) {
        const current = this.runners.get(spec.name);
        if (current && 'rest' in current.runner.spec.origin) {
          this.log.error(
            { connector: spec.name },
            'a connector of this name was created through REST; delete it there first; the file entry is ignored',
          );
          continue;
        }
        if (current && current.fingerprint === specFingerprint(spec)) continue;
        if (current) {
          this.log.info({ connector: spec.name }, 'config changed; restarting');
          await current.runner.shutdown();
          this.runners.delete(spec.name);
        }
        await this.startConnector(spec);
      }
    });
  }

  private async startConnector(spec: ConnectorSpec): Promise<void> {
    const def = this.registry.find((d) => d.name === spec.type);
    if (!def) throw new ConnectRequestError(400, `unknown connector type "${spec.type}"`);
    for (const topic of spec.errors.dlqTopic ? [spec.errors.dlqTopic] : []) {
      await this.kafka.ensureTopic(topic, { partitions: 1, compacted: false });
    }
    const target: TargetState = this.store.targetStates.get(spec.name) ?? spec.initialState;
    const runner = new ConnectorRunner(
      spec,
      def,
      {
        kafka: this.kafka,
        offsets: this.offsets,
        metrics: this.metrics,
        offsetFlushIntervalMs: this.settings.offsetFlushIntervalMs,
        groupPrefix: this.settings.groupPrefix,
        workerId: this.workerId,
        log: this.log,
        onTaskChange: (t) => this.onTaskChange(t),
        buildTransforms: (s) => buildTransforms(s.transforms),
      },
      target,
    );
    this.runners.set(spec.name, { runner, fingerprint: specFingerprint(spec) });
    await runner.start();
    this.log.info({ connector: spec.name, type: spec.type, state: target }, 'connector started');
  }

  private onTaskChange(t: TaskTracker): void {
    for (const s of ['UNASSIGNED', 'RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'RESTARTING'])
      this.metrics.taskState.set(
        { connector: t.connector, task: String(t.id), state: s },
        t.state === s ? 1 : 0,
      );
    this.store.putStatus(`status-task-${t.connector}-${t.id}`, {
      state: t.state,
      trace: t.trace,
      worker_id: this.workerId,
    });
  }

  // ---- REST operations -------------------------------------------------------------------------------

  names(): string[] {
    return [...this.runners.keys()].sort();
  }

  runner(name: string): ConnectorRunner {
    const r = this.runners.get(name)?.runner;
    if (!r) throw new ConnectRequestError(404, `connector ${name} not found; see GET /connectors`);
    return r;
  }

  /** Validates a REST config: the same shape as a pipeline-file entry (type, config, topics, transforms, errors...). */
  parseEntry(name: string, entry: Record<string, unknown>): ConnectorSpec {
    return parseConnectorEntry(name, entry, this.registry);
  }

  createOrUpdate(
    name: string,
    entry: Record<string, unknown>,
    mustBeNew: boolean,
  ): Promise<{ created: boolean }> {
    return this.serial(async () => {
      const current = this.runners.get(name);
      if (current && mustBeNew)
        throw new ConnectRequestError(
          409,
          `connector ${name} already exists; use PUT /connectors/${name}/config to change it`,
        );
      if (current && 'file' in current.runner.spec.origin)
        throw new ConnectRequestError(
          409,
          `connector ${name} is declared in ${current.runner.spec.origin.file}; edit that file (it is reloaded on save)`,
        );
      const spec = this.parseEntry(name, entry);
      await this.store.putConnector(name, entry);
      if (current) {
        await current.runner.shutdown();
        this.runners.delete(name);
      }
      await this.startConnector(spec);
      return { created: !current };
    });
  }

  deleteConnector(name: string): Promise<void> {
    return this.serial(async () => {
      const r = this.runner(name);
      if ('file' in r.spec.origin)
        throw new ConnectRequestError(
          409,
          `connector ${name} is declared in ${r.spec.origin.file}; remove it from that file`,
        );
      await r.shutdown();
      this.runners.delete(name);
      await this.store.putConnector(name, null);
      await this.store.putTargetState(name, null);
    });
  }

  setTargetState(name: string, state: TargetState): Promise<void> {
    return this.serial(async () => {
      const r = this.runner(name);
      await this.store.putTargetState(name, state);
      if (state === r.targetState) return;
      if (state === 'STOPPED') return r.stopConnector();
      if (r.targetState === 'STOPPED') {
        // Leaving STOPPED starts the tasks afresh.
        this.runners.delete(name);
        return this.startConnector(r.spec);
      }
      if (state === 'PAUSED') r.pause();
      else r.resume();
    });
  }

  async shutdown(): Promise<void> {
    await this.serial(async () => {
      await Promise.all([...this.runners.values()].map(({ runner }) => runner.shutdown()));
    });
    await this.kafka.close();
  }
}
