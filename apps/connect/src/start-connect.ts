import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { ConnectorDefinition } from '@tributary/connect-sdk';
import { logger } from '@tributary/common';
import type { PipelineFile, WorkerSettings } from './pipeline/connector-spec';
import { ConnectWorker } from './runtime/connect-worker';
import { PipelineWatcher } from './runtime/pipeline-watcher';
import { ConnectModule } from './connect.module';

export interface RunningWorker {
  worker: ConnectWorker;
  /** The REST API's address, e.g. http://127.0.0.1:8083. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a connect worker: internal topics, the connectors of the given (already validated) pipeline files
 * with hot reload, and the REST API. Nothing starts from an invalid file: callers validate first.
 */
export async function startConnectWorker(
  settings: WorkerSettings,
  registry: readonly ConnectorDefinition[],
  files: readonly PipelineFile[],
): Promise<RunningWorker> {
  const log = logger('connect');
  const worker = new ConnectWorker(settings, registry);
  await worker.start();
  const app: INestApplication = await NestFactory.create(ConnectModule.forWorker(worker), {
    logger: ['error', 'warn'],
  });
  await app.listen(settings.restPort, settings.restHost);
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${settings.restHost}:${address.port}`;
  const watchers: PipelineWatcher[] = [];
  for (const f of files) {
    await worker.applyFile(f.path, f.connectors);
    const w = new PipelineWatcher(f.path, registry, (nf) => worker.applyFile(f.path, nf.connectors));
    w.start();
    watchers.push(w);
  }
  log.info({ rest: url, connectors: worker.names() }, 'connect worker running');
  let closing: Promise<void> | null = null;
  return {
    worker,
    url,
    close: () =>
      (closing ??= (async () => {
        for (const w of watchers) w.stop();
        await app.close();
        await worker.shutdown();
      })()),
  };
}
