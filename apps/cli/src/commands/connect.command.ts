import type { Command } from 'commander';
import { ConfigError } from '@tributary/common';
import { parseBootstrap } from '../client/kafka-client';
import type { PipelineFile, WorkerSettings } from '@tributary/connect/pipeline/connector-spec';
import { CONNECTORS } from '@tributary/connectors';

interface ConnectOptions {
  bootstrap?: string;
  connectPort?: string;
  connectHost?: string;
}

export function registerConnect(program: Command): void {
  program
    .command('connect')
    .description(
      'run a connect worker against any Kafka-compatible cluster, with the connectors of the pipeline files',
    )
    .argument('[pipeline...]', 'YAML pipeline files (validated first; reloaded when they change)')
    .option(
      '-b, --bootstrap <host:port,...>',
      'Kafka bootstrap servers (default: worker.bootstrap, else 127.0.0.1:9092)',
    )
    .option('--connect-port <port>', 'REST API port (default: worker.rest.port, else 8083)')
    .option('--connect-host <host>', 'REST API address (default: worker.rest.host, else 127.0.0.1)')
    .action((files: string[], opts: ConnectOptions) => runConnect(files, opts));
}

/** Loads and validates every pipeline file; prints every problem and exits 2 if any is invalid. */
export async function loadPipelinesOrExit(files: readonly string[]): Promise<PipelineFile[]> {
  const { loadPipelineFile } = await import('@tributary/connect/pipeline/load-pipeline');
  const loaded: PipelineFile[] = [];
  let bad = false;
  for (const f of files) {
    try {
      loaded.push(loadPipelineFile(f, CONNECTORS));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      bad = true;
      process.stderr.write(`${e.message}\n`);
    }
  }
  if (bad) {
    process.stderr.write(
      'tributary: not starting any connector; fix the problems above (check with `tributary validate <file>`)\n',
    );
    process.exit(2);
  }
  return loaded;
}

/** Command-line flags as worker settings (they win over the files' `worker:` sections). */
export function workerFlags(opts: ConnectOptions): Partial<WorkerSettings> {
  const out: Partial<WorkerSettings> = {};
  if (opts.bootstrap !== undefined) {
    try {
      out.bootstrap = parseBootstrap(opts.bootstrap);
    } catch (e) {
      process.stderr.write(`tributary: ${(e as Error).message}\n`);
      process.exit(2);
    }
  }
  if (opts.connectHost !== undefined) out.restHost = opts.connectHost;
  if (opts.connectPort !== undefined) {
    if (!/^\d+$/.test(opts.connectPort) || Number(opts.connectPort) > 65535) {
      process.stderr.write(`tributary: --connect-port expects a port number, got "${opts.connectPort}"\n`);
      process.exit(2);
    }
    out.restPort = Number(opts.connectPort);
  }
  return out;
}

/** Stops the worker gracefully (tasks flush and write their offsets) on SIGINT/SIGTERM. */
export function closeOnSignals(close: () => Promise<void>): void {
  let closing = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (closing) process.exit(1);
      closing = true;
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

async function runConnect(files: string[], opts: ConnectOptions): Promise<void> {
  const pipelines = await loadPipelinesOrExit(files);
  const { resolveWorkerSettings } = await import('@tributary/connect/worker-settings');
  const { startConnectThread } = await import('@tributary/connect/thread/start-connect-thread');
  const settings = resolveWorkerSettings(...pipelines.map((p) => p.worker), workerFlags(opts));
  const running = await startConnectThread(settings, pipelines);
  process.stdout.write(
    `connect worker: REST API on ${running.url}; connectors: ${running.connectors.join(', ') || 'none'}\n`,
  );
  closeOnSignals(running.close);
}
