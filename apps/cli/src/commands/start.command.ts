import type { Command } from 'commander';
import { ConfigError, readConfigFile } from '@tributary/common';
import { resolveBrokerConfig, type BrokerConfig } from '@tributary/broker/config/broker-config';
import type { PipelineFile } from '@tributary/connect/pipeline/connector-spec';
import { closeOnSignals, loadPipelinesOrExit, workerFlags } from './connect.command';
import { printWhereToLook } from './where-to-look';

interface StartOptions {
  dataDir?: string;
  kafkaPort?: string;
  host?: string;
  connectPort?: string;
  connectHost?: string;
  nodeId?: string;
  coordinator?: string;
  config?: string;
  set: string[];
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

export function registerStart(program: Command): void {
  for (const name of ['start', 'broker']) {
    program
      .command(name)
      .description(
        name === 'start'
          ? 'run the all-in-one node: a broker that is its own controller, plus a connect worker when given a pipeline file or --connect-port'
          : 'run a broker (with a connect worker when given a pipeline file or --connect-port)',
      )
      .option('-d, --data-dir <dir>', 'data directory (log.dirs)', undefined)
      .option('-p, --kafka-port <port>', 'Kafka listener port (listener.port)', undefined)
      .option('--host <host>', 'Kafka listener address (listener.host)', undefined)
      .option(
        '--connect-port <port>',
        'run the connect worker with its REST API on this port (default 8083 with a pipeline file)',
      )
      .option('--connect-host <host>', 'connect REST address (default 127.0.0.1)')
      .option('--node-id <id>', "this broker's id in the cluster (node.id)", undefined)
      .option(
        '--coordinator <host:port>',
        'join the cluster run by this coordinator (coordinator.address); without it the broker runs alone',
        undefined,
      )
      .option(
        '-c, --config <file>',
        'a pipeline file (connectors:, with optional broker: and worker: sections), or a YAML/JSON file of broker settings (Kafka names)',
      )
      .option('--set <key=value>', 'override one setting; repeatable', collect, [])
      .action((opts: StartOptions) => runBroker(opts));
  }
}

async function runBroker(opts: StartOptions): Promise<void> {
  let config: BrokerConfig;
  let pipelines: PipelineFile[] = [];
  try {
    const file = opts.config ? readConfigFile(opts.config) : null;
    // A pipeline file carries connectors (and maybe broker:/worker: sections); anything else is broker settings.
    const isPipeline = file !== null && ('connectors' in file || 'worker' in file);
    if (isPipeline) pipelines = await loadPipelinesOrExit([opts.config!]);
    config = loadConfig(opts, isPipeline ? (pipelines[0]?.broker ?? {}) : file);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  // Loaded here, not at the top: client commands (topics, produce, ...) should not pay for the broker.
  const { NestFactory } = await import('@nestjs/core');
  const { BrokerModule } = await import('@tributary/broker/broker.module');
  const app = await NestFactory.createApplicationContext(BrokerModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  await app.init();
  if (pipelines.length === 0 && opts.connectPort === undefined) {
    app.enableShutdownHooks();
    return;
  }
  const { resolveWorkerSettings } = await import('@tributary/connect/worker-settings');
  const { startConnectThread } = await import('@tributary/connect/thread/start-connect-thread');
  const host = config['listener.host'] === '0.0.0.0' ? '127.0.0.1' : config['listener.host'];
  const settings = resolveWorkerSettings(
    { bootstrap: [`${host}:${config['listener.port']}`] },
    ...pipelines.map((p) => p.worker),
    workerFlags(opts),
  );
  const worker = await startConnectThread(settings, pipelines);
  printWhereToLook(config, worker, pipelines);
  // The worker stops first (its tasks flush through the broker), then the broker.
  closeOnSignals(async () => {
    await worker.close();
    await app.close();
  });
}

function loadConfig(opts: StartOptions, fileValues: Record<string, unknown> | null): BrokerConfig {
  const sources: { name: string; values: Record<string, unknown> }[] = [];
  if (opts.config && fileValues) sources.push({ name: opts.config, values: fileValues });
  const flags: Record<string, unknown> = {};
  for (const kv of opts.set) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set expects key=value, got "${kv}"`);
    flags[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (opts.dataDir !== undefined) flags['log.dirs'] = opts.dataDir;
  if (opts.kafkaPort !== undefined) flags['listener.port'] = opts.kafkaPort;
  if (opts.host !== undefined) flags['listener.host'] = opts.host;
  if (opts.nodeId !== undefined) flags['node.id'] = opts.nodeId;
  if (opts.coordinator !== undefined) flags['coordinator.address'] = opts.coordinator;
  sources.push({ name: 'command line', values: flags });
  return resolveBrokerConfig(sources);
}
