import type { Command } from 'commander';
import { ConfigError, logger, readConfigFile } from '@tributary/common';
import { resolveBrokerConfig, type BrokerConfig } from '@tributary/broker/config/broker-config';

interface StartOptions {
  dataDir?: string;
  kafkaPort?: string;
  host?: string;
  connectPort?: string;
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
          ? 'run the all-in-one node (broker now; coordinator and connect worker join in later releases)'
          : 'run a broker',
      )
      .option('-d, --data-dir <dir>', 'data directory (log.dirs)', undefined)
      .option('-p, --kafka-port <port>', 'Kafka listener port (listener.port)', undefined)
      .option('--host <host>', 'Kafka listener address (listener.host)', undefined)
      .option(
        '--connect-port <port>',
        'connect REST port (used once the connect worker is available)',
        undefined,
      )
      .option('--node-id <id>', "this broker's id in the cluster (node.id)", undefined)
      .option(
        '--coordinator <host:port>',
        'join the cluster run by this coordinator (coordinator.address); without it the broker runs alone',
        undefined,
      )
      .option('-c, --config <file>', 'YAML or JSON file of broker settings (Kafka names)')
      .option('--set <key=value>', 'override one setting; repeatable', collect, [])
      .action((opts: StartOptions) => runBroker(opts));
  }
}

async function runBroker(opts: StartOptions): Promise<void> {
  const log = logger('cli');
  let config: BrokerConfig;
  try {
    config = loadConfig(opts);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (opts.connectPort !== undefined) {
    log.warn(
      { connectPort: opts.connectPort },
      'the connect worker is not part of this release yet; --connect-port is accepted and ignored',
    );
  }
  // Loaded here, not at the top: client commands (topics, produce, ...) should not pay for the broker.
  const { NestFactory } = await import('@nestjs/core');
  const { BrokerModule } = await import('@tributary/broker/broker.module');
  const app = await NestFactory.createApplicationContext(BrokerModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.init();
}

function loadConfig(opts: StartOptions): BrokerConfig {
  const sources: { name: string; values: Record<string, unknown> }[] = [];
  if (opts.config) sources.push({ name: opts.config, values: readConfigFile(opts.config) });
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
