import type { z } from 'zod';
import type { SinkTask, SourceTask } from './tasks';

interface ConnectorBase<S extends z.ZodType> {
  /** The `type` users write in a pipeline file, e.g. `file-source`. */
  name: string;
  version: string;
  /** One line for `GET /connector-plugins` and the docs index. */
  summary: string;
  /** Longer prose for the generated docs page (markdown). */
  description?: string;
  /**
   * The config spec, declared first: a strict zod object whose fields carry `.describe()` text and defaults.
   * It validates pipeline files and REST requests and generates `docs/connectors/<name>.md`.
   */
  config: S;
  /** A minimal valid config, shown in the generated docs. */
  example: Record<string, unknown>;
  /**
   * Converters used when the pipeline entry names none (default json for both). E.g. reconcile reads values
   * only, and services often key records by plain text, so its keys default to `string`.
   */
  converterDefaults?: { key?: 'json' | 'string'; value?: 'json' | 'string' };
  /** Splits the connector's config into at most `maxTasks` task configs; default: one task. */
  taskConfigs?(config: z.output<S>, maxTasks: number): z.output<S>[];
}

export interface SourceConnectorDefinition<S extends z.ZodType = z.ZodType> extends ConnectorBase<S> {
  kind: 'source';
  createTask(): SourceTask<z.output<S>>;
}

export interface SinkConnectorDefinition<S extends z.ZodType = z.ZodType> extends ConnectorBase<S> {
  kind: 'sink';
  /**
   * For sinks whose config names the topics they read (e.g. reconcile's `left.topic` and `right.topic`): the
   * pipeline entry then takes no `topics:` of its own.
   */
  topicsOf?(config: z.output<S>): string[];
  createTask(): SinkTask<z.output<S>>;
}

export type ConnectorDefinition = SourceConnectorDefinition | SinkConnectorDefinition;

/** Declares a connector plugin; register it in `connectors/index.ts`. */
export function defineConnector<S extends z.ZodType>(
  def: SourceConnectorDefinition<S>,
): SourceConnectorDefinition<S>;
export function defineConnector<S extends z.ZodType>(
  def: SinkConnectorDefinition<S>,
): SinkConnectorDefinition<S>;
export function defineConnector(def: ConnectorDefinition): ConnectorDefinition {
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) {
    throw new Error(`connector name "${def.name}" must be lower-case letters, digits and dashes`);
  }
  return def;
}
