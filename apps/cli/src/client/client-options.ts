import { Option, type Command } from 'commander';

/** Options every client subcommand accepts. */
export interface ClientOptions {
  bootstrap: string;
  debug?: boolean;
}

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

/** Adds `--bootstrap` (env TRIBUTARY_BOOTSTRAP, default 127.0.0.1:9092) and `--debug` to a client subcommand. */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('-b, --bootstrap <host:port>', 'broker to connect to (comma-separated list allowed)')
        .env('TRIBUTARY_BOOTSTRAP')
        .default(DEFAULT_BOOTSTRAP),
    )
    .option('--debug', 'print client logs and full stack traces on failure');
}

/** Commander collector for repeatable options (`--header a=1 --header b=2`). */
export const collect = (v: string, acc: string[]): string[] => [...acc, v];

/** Parses a `key=value` argument of the named option, naming it when malformed. */
export function parseKeyValue(option: string, kv: string): [string, string] {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new UsageError(`${option} expects key=value, got "${kv}"`);
  return [kv.slice(0, eq), kv.slice(eq + 1)];
}

/** Parses a whole number option, rejecting anything else with the option's name. */
export function parseIntOption(
  option: string,
  raw: string | undefined,
  opts: { min?: number } = {},
): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`${option} expects a whole number, got "${raw}"`);
  const n = Number(raw);
  if (opts.min !== undefined && n < opts.min)
    throw new UsageError(`${option} must be at least ${opts.min}, got ${n}`);
  return n;
}

/** A mistake in the command line: reported as-is, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure the command understood (missing topic, rejected request): reported as-is, exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
