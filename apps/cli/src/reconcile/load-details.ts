import type { ReconcileDetails } from '../../../../connectors/reconcile/src/report-types';
import { CliError } from '../client/client-options';
import type { ConnectRest } from '../client/connect-rest';

/** The plugin type a reconcile connector is declared with (`type:` in a pipeline file). */
export const RECONCILE_TYPE = 'reconcile';

export interface TaskStatus {
  id: number;
  state: string;
  health?: string;
  trace?: string;
  details?: { kind?: unknown } & Record<string, unknown>;
}

/** `GET /connectors/{name}/status`; `type` is only sink or source, the plugin type needs the config. */
export interface ConnectorStatus {
  name: string;
  type: string;
  connector: { state: string; trace?: string };
  tasks: TaskStatus[];
}

export interface Loaded {
  details: ReconcileDetails;
  task: TaskStatus;
}

/** The reconcile details of the connector's task, or null when it has none (yet). */
export function pickDetails(s: ConnectorStatus): Loaded | null {
  const task = s.tasks[0];
  if (task?.details?.kind !== 'reconcile') return null;
  return { details: task.details as unknown as ReconcileDetails, task };
}

const firstLine = (s: string): string => s.split('\n')[0] ?? '';

/**
 * Why there are no reconcile details, and what to do about it. `pluginType` comes from the connector's config
 * and is undefined when that could not be read.
 */
export function explainNoDetails(s: ConnectorStatus, pluginType: string | undefined): string {
  const name = JSON.stringify(s.name);
  // The config's plugin type decides; without it, non-empty details of another kind (snapshot progress, ...)
  // give another connector away. An empty object is what a reconcile task reports before it has started.
  const d = s.tasks[0]?.details;
  const otherDetails = d !== undefined && Object.keys(d).length > 0 && d.kind !== 'reconcile';
  const notReconcile = pluginType !== undefined ? pluginType !== RECONCILE_TYPE : otherDetails;
  if (notReconcile)
    return pluginType !== undefined
      ? `connector ${name} is a ${pluginType} connector, not a reconcile connector; pass the name of a ${RECONCILE_TYPE} connector (see \`tributary connectors list\`)`
      : `connector ${name} (a ${s.type} connector) is not a reconcile connector; pass the name of a ${RECONCILE_TYPE} connector (see \`tributary connectors list\`)`;
  const task = s.tasks[0];
  if (!task)
    return `connector ${name} has no running task (connector is ${s.connector.state}${s.connector.trace ? `: ${firstLine(s.connector.trace)}` : ''}); see \`tributary connectors status ${s.name}\``;
  if (task.state === 'RUNNING')
    return `connector ${name} has not reported reconcile details yet (task ${task.id} is RUNNING); try again in a few seconds`;
  const why = task.trace ? `: ${firstLine(task.trace)}` : '';
  const fix =
    task.state === 'PAUSED'
      ? `resume it with \`tributary connectors resume ${s.name}\``
      : `see \`tributary connectors status ${s.name}\` and restart it with \`tributary connectors restart ${s.name}\``;
  return `connector ${name} reports no reconcile details: task ${task.id} is ${task.state}${why}; ${fix}`;
}

/** Reads the status and returns the reconcile details, or throws a CliError that says what to do. */
export async function loadReconcile(rest: ConnectRest, name: string): Promise<Loaded> {
  const path = `/connectors/${encodeURIComponent(name)}`;
  let status: ConnectorStatus;
  try {
    status = await rest.call<ConnectorStatus>('GET', `${path}/status`);
  } catch (e) {
    // The worker answers 404 with "connector x not found; ..."; say which worker and how to list the names.
    if (e instanceof CliError && /not found/i.test(e.message))
      throw new CliError(
        `connector ${JSON.stringify(name)} not found on the connect worker at ${rest.url}; list the connectors with \`tributary connectors list --connect-url ${rest.url}\``,
      );
    throw e;
  }
  const loaded = pickDetails(status);
  if (loaded) return loaded;
  // Only for the message: the config names the plugin (file-source, ...), the status only says sink or source.
  const config = await rest.call<{ type?: unknown }>('GET', `${path}/config`).catch(() => null);
  throw new CliError(explainNoDetails(status, typeof config?.type === 'string' ? config.type : undefined));
}
