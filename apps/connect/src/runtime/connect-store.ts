import type { Producer } from 'kafkajs';

export type TargetState = 'RUNNING' | 'PAUSED' | 'STOPPED';

/** A connector created through REST, as stored: the same shape as a pipeline-file entry. */
export interface StoredConnector {
  name: string;
  entry: Record<string, unknown>;
}

/**
 * The configs topic (compacted, one partition, so order is total): `connector-<name>` holds REST-created
 * connectors, `target-state-<name>` the state an operator asked for (pause/stop survive worker restarts, as in
 * Kafka Connect). The status topic gets `status-task-<name>-<id>` records for outside observers.
 */
export class ConnectStore {
  readonly restConnectors = new Map<string, StoredConnector>();
  readonly targetStates = new Map<string, TargetState>();

  constructor(
    private readonly producer: Producer,
    readonly configsTopic: string,
    readonly statusTopic: string,
  ) {}

  apply(key: Buffer | null, value: Buffer | null): void {
    const k = key?.toString('utf8') ?? '';
    const v = value === null ? null : (JSON.parse(value.toString('utf8')) as Record<string, unknown>);
    if (k.startsWith('connector-')) {
      const name = k.slice('connector-'.length);
      if (v === null) this.restConnectors.delete(name);
      else this.restConnectors.set(name, { name, entry: v.entry as Record<string, unknown> });
    } else if (k.startsWith('target-state-')) {
      const name = k.slice('target-state-'.length);
      if (v === null) this.targetStates.delete(name);
      else this.targetStates.set(name, v.state as TargetState);
    }
  }

  async putConnector(name: string, entry: Record<string, unknown> | null): Promise<void> {
    await this.send(this.configsTopic, `connector-${name}`, entry === null ? null : { entry });
    if (entry === null) this.restConnectors.delete(name);
    else this.restConnectors.set(name, { name, entry });
  }

  async putTargetState(name: string, state: TargetState | null): Promise<void> {
    await this.send(this.configsTopic, `target-state-${name}`, state === null ? null : { state });
    if (state === null) this.targetStates.delete(name);
    else this.targetStates.set(name, state);
  }

  /** Best effort: status records are for observers; a failed write is retried by the next change. */
  putStatus(key: string, status: Record<string, unknown>): void {
    this.send(this.statusTopic, key, status).catch(() => undefined);
  }

  private async send(topic: string, key: string, value: unknown): Promise<void> {
    await this.producer.send({
      topic,
      acks: -1,
      messages: [{ key, value: value === null ? null : JSON.stringify(value) }],
    });
  }
}
