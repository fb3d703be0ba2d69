import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { ConnectorDefinition } from '@tributary/connect-sdk';
import { logger } from '@tributary/common';
import type { PipelineFile } from '../pipeline/connector-spec';
import { loadPipelineFile } from '../pipeline/load-pipeline';
import { PipelineError } from '../pipeline/pipeline-error';

/**
 * Hot reload: re-reads a pipeline file when it changes. A valid edit is applied (unchanged connectors keep
 * running); an invalid one is logged with every problem and the last good config keeps running. Polls the
 * file's stat rather than using inotify, so editors that save by rename and files on network mounts work.
 */
export class PipelineWatcher {
  private readonly log = logger('connect.reload');
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly registry: readonly ConnectorDefinition[],
    private readonly apply: (file: PipelineFile) => Promise<void>,
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    watchFile(this.path, { interval: this.intervalMs, persistent: false }, (cur: Stats, prev: Stats) => {
      if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size) return;
      this.busy = this.busy.then(() => this.reload());
    });
  }

  stop(): void {
    unwatchFile(this.path);
  }

  private async reload(): Promise<void> {
    let file: PipelineFile;
    try {
      file = loadPipelineFile(this.path, this.registry);
    } catch (e) {
      const problems = e instanceof PipelineError ? e.problems : [(e as Error).message];
      this.log.error(
        { file: this.path, problems },
        'pipeline file has problems; keeping the last good config running',
      );
      return;
    }
    try {
      await this.apply(file);
      this.log.info(
        { file: this.path, connectors: file.connectors.map((c) => c.name) },
        'pipeline file reloaded',
      );
    } catch (e) {
      this.log.error({ file: this.path, err: (e as Error).message }, 'applying the reloaded pipeline failed');
    }
  }
}
