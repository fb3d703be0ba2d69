import type { Command } from 'commander';
import { ConfigError } from '@tributary/common';
import {
  COORDINATOR_DEFAULTS,
  resolveCoordinatorConfig,
  type CoordinatorConfig,
} from '@tributary/coordinator/config/coordinator-config';

interface CoordinatorOptions {
  dataDir?: string;
  port?: string;
  host?: string;
  leaseMs?: string;
  heartbeatMs?: string;
  snapshotEvery?: string;
}

export function registerCoordinator(program: Command): void {
  program
    .command('coordinator')
    .description('run the cluster coordinator: broker leases, topics, partition leaders, ISR, epochs')
    .requiredOption('-d, --data-dir <dir>', 'directory for the metadata log and snapshots')
    .option('-p, --port <port>', `control RPC port (default ${COORDINATOR_DEFAULTS.port})`)
    .option('--host <host>', `control RPC address (default ${COORDINATOR_DEFAULTS.host})`)
    .option(
      '--lease-ms <ms>',
      `fence a broker this long after its last heartbeat (default ${COORDINATOR_DEFAULTS.leaseMs})`,
    )
    .option(
      '--heartbeat-ms <ms>',
      'heartbeat interval told to brokers (default: a fifth of the lease, at most 2000)',
    )
    .option(
      '--snapshot-every <n>',
      `snapshot the metadata every n entries (default ${COORDINATOR_DEFAULTS.snapshotEvery})`,
    )
    .action((opts: CoordinatorOptions) => runCoordinator(opts));
}

async function runCoordinator(opts: CoordinatorOptions): Promise<void> {
  let config: CoordinatorConfig;
  try {
    config = resolveCoordinatorConfig({
      dataDir: opts.dataDir!,
      host: opts.host,
      port: int('--port', opts.port),
      leaseMs: int('--lease-ms', opts.leaseMs),
      heartbeatIntervalMs: int('--heartbeat-ms', opts.heartbeatMs),
      snapshotEvery: int('--snapshot-every', opts.snapshotEvery),
    });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  // Loaded here, not at the top: client commands (topics, produce, ...) should not pay for Nest.
  const { startCoordinator } = await import('@tributary/coordinator/start-coordinator');
  await startCoordinator(config);
}

function int(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new ConfigError(`${flag} expects a non-negative integer, got "${v}"`);
  return Number(v);
}
