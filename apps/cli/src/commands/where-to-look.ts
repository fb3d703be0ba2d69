import type { BrokerConfig } from '@tributary/broker/config/broker-config';
import type { PipelineFile } from '@tributary/connect/pipeline/connector-spec';
import type { ConnectThread } from '@tributary/connect/thread/start-connect-thread';

/** What `tributary start` prints once everything is up: where the data goes and how to look at it. */
export function printWhereToLook(
  config: BrokerConfig,
  worker: ConnectThread,
  pipelines: readonly PipelineFile[],
): void {
  const bootstrap = `${config['listener.host']}:${config['listener.port']}`;
  const lines = [
    'Tributary is running.',
    `  Kafka:    ${bootstrap}   (data in ${config['log.dirs']})`,
    `  Connect:  ${worker.url}   (status: ${worker.url}/connectors?expand=status, metrics: ${worker.url}/metrics)`,
  ];
  for (const p of pipelines) {
    lines.push(`  Pipeline: ${p.path} (edits are applied on save)`);
    for (const c of p.connectors) {
      const cfg = c.config as Record<string, unknown>;
      const where =
        c.kind === 'source'
          ? `-> topic ${String(cfg.topic ?? '?')}`
          : `${c.topics.join(', ') || c.topicsRegex} -> ${String(cfg.path ?? cfg.index ?? cfg.url ?? c.type)}`;
      lines.push(`    ${c.name} (${c.type}) ${where}`);
    }
    const sourceTopics = p.connectors
      .filter((c) => c.kind === 'source')
      .map((c) => String((c.config as { topic?: unknown }).topic));
    if (sourceTopics[0])
      lines.push(
        `  Try:      tributary consume ${sourceTopics[0]} --bootstrap ${bootstrap} --from-beginning`,
      );
  }
  lines.push('  Stop with Ctrl-C (connectors flush and store their offsets first).');
  process.stdout.write(`${lines.join('\n')}\n`);
}
