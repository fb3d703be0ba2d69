import { Kafka, logLevel } from 'kafkajs';
import { registerKafkajsCodecs } from '@tributary/common';
import { UsageError, type ClientOptions } from './client-options';

/** Splits and checks `--bootstrap host:port[,host:port]`. */
export function parseBootstrap(raw: string): string[] {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw new UsageError('--bootstrap is empty; give host:port, e.g. 127.0.0.1:9092');
  for (const b of list) {
    const m = /^(.+):(\d+)$/.exec(b);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
      throw new UsageError(`--bootstrap expects host:port, got "${b}"`);
  }
  return list;
}

/**
 * A kafkajs client tuned for a CLI: quiet unless --debug, a short connect timeout and few retries so a missing
 * broker is reported in seconds rather than after kafkajs's default minute of backoff. All codecs are
 * registered so `consume` reads snappy/lz4/zstd batches written by other clients.
 */
export function createKafka(opts: ClientOptions, clientId = 'tributary-cli'): Kafka {
  const brokers = parseBootstrap(opts.bootstrap);
  registerKafkajsCodecs();
  return new Kafka({
    clientId,
    brokers,
    logLevel: opts.debug ? logLevel.DEBUG : logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
  });
}
