import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConnectRest, DEFAULT_CONNECT_URL } from '../client/connect-rest';
import { printJson } from '../client/table';
import { UsageError } from '../client/client-options';
import { loadReconcile } from '../reconcile/load-details';
import { renderStatus, statusJson } from '../reconcile/status-view';
import { parseFormat, renderReport } from '../reconcile/render-report';
import { decideVerdict, parseCount, parseRate } from '../reconcile/verdict';

interface ConnectOpts {
  connect?: string;
  connectUrl?: string;
}

const EXIT_CODES = `
Exit codes:
  0  done (verdict: PASS)
  1  verdict: FAIL (a limit exceeded, too few keys compared, or the task not running)
  2  error: worker unreachable, unknown connector, not a reconcile connector, no details yet, bad option
A cut-over gate must treat any non-zero exit code as "do not cut over".`;

/** `--connect` (as the issue spells it) and `--connect-url` (as the other commands do) name the same worker. */
function withConnect(cmd: Command): Command {
  const help = `the connect worker REST API (default: $TRIBUTARY_CONNECT_URL or ${DEFAULT_CONNECT_URL})`;
  return cmd.option('--connect <url>', help).option('--connect-url <url>', 'same as --connect');
}

function restFor(o: ConnectOpts): ConnectRest {
  if (o.connect !== undefined && o.connectUrl !== undefined && o.connect !== o.connectUrl)
    throw new UsageError(`--connect and --connect-url name different workers; give one of them`);
  return new ConnectRest(
    o.connect ?? o.connectUrl ?? (process.env.TRIBUTARY_CONNECT_URL || DEFAULT_CONNECT_URL),
  );
}

/**
 * Runs a subcommand and exits with the code it returns. Every error exits 2, never 1: 1 is a verdict's FAIL,
 * and a gate must not confuse "could not tell" with an answer. Exiting also closes fetch's keep-alive sockets.
 */
function run<A extends unknown[]>(fn: (...args: A) => Promise<number>) {
  return async (...args: unknown[]) => {
    let code: number;
    try {
      code = await fn(...(args.slice(0, -1) as A));
    } catch (e) {
      process.stderr.write(`tributary: ${e instanceof Error ? e.message : String(e)}\n`);
      code = 2;
    }
    process.exit(code);
  };
}

export function registerReconcile(program: Command): void {
  const cmd = program
    .command('reconcile')
    .description(
      'progress, report and cut-over verdict of a reconcile connector (via the connect worker REST API)',
    )
    .addHelpText('after', EXIT_CODES)
    // Commander's own usage errors (missing argument, unknown option) exit 1 by default: make them 2 as well.
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));

  withConnect(
    cmd
      .command('status <name>')
      .description('keys per category (pending, matched, missing, mismatched...), rates and both sides')
      .option('--json', 'print one JSON object of numbers'),
  ).action(
    run(async (name: string, o: ConnectOpts & { json?: boolean }) => {
      const { details, task } = await loadReconcile(restFor(o), name);
      if (o.json) printJson(statusJson(details));
      else process.stdout.write(renderStatus(name, task.state, details));
      return 0;
    }),
  );

  withConnect(
    cmd
      .command('report <name>')
      .description(
        'a readable report: counts, rates, top mismatching fields, examples with field-level diffs',
      )
      .option('--format <format>', 'md, html or json', 'md')
      .option('-o, --output <file>', 'write to this file instead of stdout'),
  ).action(
    run(async (name: string, o: ConnectOpts & { format: string; output?: string }) => {
      const format = parseFormat(o.format);
      const { details } = await loadReconcile(restFor(o), name);
      const text = renderReport(format, name, details, new Date());
      if (o.output === undefined) {
        process.stdout.write(text);
        return 0;
      }
      try {
        writeFileSync(o.output, text);
      } catch (e) {
        throw new Error(`cannot write the report to ${o.output}: ${(e as Error).message}`);
      }
      process.stdout.write(`${name}: ${format} report written to ${o.output}\n`);
      return 0;
    }),
  );

  withConnect(
    cmd
      .command('verdict <name>')
      .description('PASS (exit 0) or FAIL (exit 1) against limits, for a cut-over gate; errors exit 2')
      .option(
        '--max-mismatch-rate <rate>',
        'required: highest mismatched share of compared keys, a fraction (0.005) or a percentage (0.5%); equal passes',
      )
      .option('--max-pending <n>', 'most keys still pending inside the window (default: no limit)')
      .option('--min-compared <n>', 'fewest compared keys for a verdict; fewer is a FAIL', '1')
      .addHelpText('after', EXIT_CODES),
  ).action(
    run(
      async (
        name: string,
        o: ConnectOpts & { maxMismatchRate?: string; maxPending?: string; minCompared: string },
      ) => {
        if (o.maxMismatchRate === undefined)
          throw new UsageError('--max-mismatch-rate is required, e.g. --max-mismatch-rate 0.5%');
        const limits = {
          maxMismatchRate: parseRate('--max-mismatch-rate', o.maxMismatchRate),
          maxPending: parseCount('--max-pending', o.maxPending),
          minCompared: parseCount('--min-compared', o.minCompared) ?? 1,
        };
        const { details, task } = await loadReconcile(restFor(o), name);
        const v = decideVerdict(name, details, limits, task.state);
        process.stdout.write(`${v.line}\n`);
        return v.pass ? 0 : 1;
      },
    ),
  );
}
