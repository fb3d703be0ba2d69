import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { ConnectRest, DEFAULT_CONNECT_URL } from '../client/connect-rest';
import { formatTable, printJson } from '../client/table';
import { CliError } from '../client/client-options';

interface TaskStatus {
  id: number;
  state: string;
  health: string;
  trace?: string;
  details?: Record<string, unknown>;
}
interface Status {
  name: string;
  type: string;
  connector: { state: string };
  tasks: TaskStatus[];
}

interface Opts {
  connectUrl: string;
}

/**
 * Runs one REST-backed subcommand: one line on stderr and exit 1 on failure. Commander passes the positional
 * arguments, then the subcommand's options, then the command itself; `fn` gets all but the command.
 */
function action<A extends unknown[]>(fn: (rest: ConnectRest, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const rest = new ConnectRest(cmd.optsWithGlobals<Opts>().connectUrl);
    try {
      await fn(rest, ...(args.slice(0, -1) as A));
      process.exit(0);
    } catch (e) {
      process.stderr.write(`tributary: ${e instanceof CliError ? e.message : String(e)}\n`);
      process.exit(1);
    }
  };
}

/** Snapshot progress from a postgres-source task's details, if it is snapshotting. */
function snapshotProgress(s: Status): { rows: number; estimate: number; table: string } | null {
  const d = s.tasks[0]?.details as { phase?: string; snapshot?: Record<string, unknown> } | undefined;
  if (d?.phase !== 'snapshot' || !d.snapshot) return null;
  const rows = Number(d.snapshot.rows ?? 0);
  const estimate = Math.max(rows, Number(d.snapshot.estimated_rows ?? rows));
  return { rows, estimate, table: String(d.snapshot.table ?? '') };
}

async function watch(rest: ConnectRest, name: string): Promise<void> {
  let bar: SingleBar | null = null;
  for (;;) {
    const s = await rest.call<Status>('GET', `/connectors/${encodeURIComponent(name)}/status`);
    const p = snapshotProgress(s);
    if (p) {
      bar ??= new SingleBar(
        { format: 'snapshot {bar} {percentage}% | {value}/{total} rows | {table}' },
        Presets.shades_classic,
      );
      if (!bar.isActive) bar.start(p.estimate, p.rows, { table: p.table });
      bar.setTotal(p.estimate);
      bar.update(p.rows, { table: p.table });
    } else {
      if (bar?.isActive) bar.stop();
      printStatus(s);
      if (s.tasks.every((t) => t.state !== 'RUNNING' || t.details?.phase !== 'snapshot')) return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function printStatus(s: Status): void {
  process.stdout.write(`${s.name} (${s.type}): ${s.connector.state}\n`);
  process.stdout.write(
    formatTable(
      ['TASK', 'STATE', 'HEALTH', 'DETAILS'],
      s.tasks.map((t) => [
        t.id,
        t.state,
        t.health,
        t.details ? JSON.stringify(t.details) : (t.trace?.split('\n')[0] ?? ''),
      ]),
    ),
  );
}

export function registerConnectors(program: Command): void {
  const cmd = program
    .command('connectors')
    .description('inspect and control the connectors of a running connect worker (its REST API)')
    .option(
      '--connect-url <url>',
      'the worker REST API',
      process.env.TRIBUTARY_CONNECT_URL ?? DEFAULT_CONNECT_URL,
    );

  cmd
    .command('list')
    .description('every connector with its state')
    .action(
      action(async (rest) => {
        const all = await rest.call<Record<string, { status: Status }>>('GET', '/connectors?expand=status');
        const rows = Object.values(all).map(({ status: s }) => [
          s.name,
          s.type,
          s.connector.state,
          s.tasks.map((t) => `${t.id}:${t.state}${t.health === 'STALLED' ? '(STALLED)' : ''}`).join(' '),
        ]);
        process.stdout.write(formatTable(['NAME', 'TYPE', 'STATE', 'TASKS'], rows));
      }),
    );

  cmd
    .command('status <name>')
    .description('state, health and details of each task; --watch shows snapshot progress until it is done')
    .option('-w, --watch', 'follow a snapshot with a progress bar')
    .option('--json', 'print the raw status')
    .action(
      action(async (rest, name: string, o: { watch?: boolean; json?: boolean }) => {
        if (o.watch) return watch(rest, name);
        const s = await rest.call<Status>('GET', `/connectors/${encodeURIComponent(name)}/status`);
        if (o.json) printJson(s);
        else printStatus(s);
      }),
    );

  for (const verb of ['pause', 'resume', 'stop'] as const) {
    cmd
      .command(`${verb} <name>`)
      .description(`${verb} a connector (persists across worker restarts)`)
      .action(
        action(async (rest, name: string) => {
          await rest.call('PUT', `/connectors/${encodeURIComponent(name)}/${verb}`);
          process.stdout.write(`${name}: ${verb} requested\n`);
        }),
      );
  }

  cmd
    .command('restart <name>')
    .description('restart the tasks of a connector')
    .option('--only-failed', 'restart only FAILED tasks')
    .action(
      action(async (rest, name: string, o: { onlyFailed?: boolean }) => {
        await rest.call(
          'POST',
          `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=${o.onlyFailed === true}`,
        );
        process.stdout.write(`${name}: restarted\n`);
      }),
    );

  cmd
    .command('snapshot <name> <tables...>')
    .description('re-snapshot tables of a CDC source while it keeps streaming (incremental snapshot)')
    .action(
      action(async (rest, name: string, tables: string[]) => {
        printJson(
          await rest.call('POST', `/connectors/${encodeURIComponent(name)}/signals`, {
            type: 'execute-snapshot',
            data: { tables },
          }),
        );
      }),
    );

  cmd
    .command('offsets <name>')
    .description("the connector's stored offsets")
    .action(
      action(async (rest, name: string) => {
        printJson(await rest.call('GET', `/connectors/${encodeURIComponent(name)}/offsets`));
      }),
    );
}
