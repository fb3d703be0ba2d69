import type { ClientOptions } from './client-options';
import { UsageError } from './client-options';
import { explainError } from './explain-error';

/** Cleanup steps (disconnects) registered by the running command, run once on exit or Ctrl-C. */
const cleanups: (() => Promise<unknown>)[] = [];

export function onExit(fn: () => Promise<unknown>): void {
  cleanups.push(fn);
}

async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    await cleanups.pop()!().catch(() => undefined);
  }
}

/**
 * Runs one client command: on failure prints a single line (stack only with --debug) and exits 1 (2 for
 * command-line mistakes). Exits explicitly at the end because kafkajs can leave retry timers behind, and a
 * script must not hang on a finished command. stdout writes to files and pipes are synchronous on Linux, so
 * nothing printed is lost.
 */
export async function runCommand(
  what: string,
  opts: ClientOptions,
  body: () => Promise<void>,
): Promise<never> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // A closed reader (`| head`) ends the command quietly, like other Unix tools.
    if (e.code === 'EPIPE') void cleanup().then(() => process.exit(0));
  });
  try {
    await body();
    await cleanup();
    process.exit(0);
  } catch (e) {
    await cleanup();
    process.stderr.write(`tributary: ${explainError(what, e, opts.bootstrap)}\n`);
    if (opts.debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  }
}
