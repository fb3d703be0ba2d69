import { ConfigError } from '@tributary/common';
import type { PipelineProblem } from './connector-spec';

/** `file:line:col: key: message`, one line per problem (line 0 = the file as a whole). */
export function formatProblems(problems: readonly PipelineProblem[]): string[] {
  return problems.map((p) => {
    const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
    return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`;
  });
}

/**
 * A pipeline file that cannot be used, with every problem found in it. `problems` (from ConfigError) holds
 * the formatted lines; `pipelineProblems` the located records.
 */
export class PipelineError extends ConfigError {
  constructor(
    readonly file: string,
    readonly pipelineProblems: readonly PipelineProblem[],
  ) {
    const lines = formatProblems(pipelineProblems);
    super(
      `invalid pipeline file ${file} (${pipelineProblems.length} problem${pipelineProblems.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`,
      lines,
    );
    this.name = 'PipelineError';
  }
}
