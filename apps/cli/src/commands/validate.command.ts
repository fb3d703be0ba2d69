import type { Command } from 'commander';
import type { ConnectorDefinition } from '@tributary/connect-sdk';
import { loadPipelineFile, PipelineError, type Env } from '@tributary/connect/pipeline';

export interface ValidateOutput {
  out(line: string): void;
  err(line: string): void;
}

const stdio: ValidateOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Checks pipeline files offline (env interpolation included, nothing started): one `ok:` line per good file
 * on stdout, every problem of every bad file on stderr. Returns the exit code: 0 if all are valid, else 1.
 */
export function validateFiles(
  files: readonly string[],
  registry: readonly ConnectorDefinition[],
  io: ValidateOutput = stdio,
  env: Env = process.env,
): number {
  let code = 0;
  for (const file of files) {
    try {
      const p = loadPipelineFile(file, registry, env);
      const names = p.connectors.map((c) => c.name).join(', ');
      const n = p.connectors.length;
      io.out(`ok: ${file}: ${n} connector${n === 1 ? '' : 's'}${n > 0 ? ` (${names})` : ''}`);
    } catch (e) {
      if (!(e instanceof PipelineError)) throw e;
      for (const line of e.problems) io.err(line);
      code = 1;
    }
  }
  return code;
}

/** `tributary validate <file...>`: exits 1 if any file has a problem. */
export function registerValidate(program: Command, registry: readonly ConnectorDefinition[]): void {
  program
    .command('validate')
    .argument('<file...>', 'pipeline files (YAML)')
    .description(
      'check pipeline files: syntax, keys, types, connector configs, transforms, ${VAR} references',
    )
    .action((files: string[]) => {
      process.exitCode = validateFiles(files, registry);
    });
}
