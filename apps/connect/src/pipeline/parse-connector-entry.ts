import type { ConnectorDefinition } from '@tributary/connect-sdk';
import { formatPath } from '@tributary/connect-sdk';
import type { ConnectorSpec } from './connector-spec';
import { checkConnector } from './connector-entry';
import { PipelineError } from './pipeline-error';
import type { RawProblem } from './yaml-source';

/**
 * Validates one connector entry given as data (a REST request body), with the same rules as a pipeline file
 * entry but no `${VAR}` interpolation (like Kafka Connect, REST configs are taken literally). Problems carry
 * key paths relative to the entry (`config.path`) and no line; the error's file is `rest:<name>`.
 */
export function parseConnectorEntry(
  name: string,
  entry: Record<string, unknown>,
  registry: readonly ConnectorDefinition[],
): ConnectorSpec {
  const problems: RawProblem[] = [];
  const spec = checkConnector({ ...entry, name }, [], registry, problems);
  const file = `rest:${name}`;
  if (!spec || problems.length > 0) {
    throw new PipelineError(
      file,
      problems.map((p) => ({ file, line: 0, col: 0, key: formatPath(p.path), message: p.message })),
    );
  }
  return { ...spec, origin: { rest: true } };
}
