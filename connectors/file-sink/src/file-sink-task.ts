import {
  ConnectorError,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  type TopicPartitionOffsets,
} from '@tributary/connect-sdk';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkpointPath, readCheckpoint, writeCheckpoint } from './checkpoint';
import type { FileSinkConfig } from './config';
import { formatRecord } from './format-record';
import { WriteFilter } from './write-filter';

/** Lines buffered in memory before they are written (not yet flushed) to the file. */
const BUFFER_BYTES = 1024 * 1024;

export interface FileSinkTaskOptions {
  /** Buffer size before unflushed lines go to the file; tests lower it to exercise the cut-back on restart. */
  bufferBytes?: number;
}

/**
 * Appends records as JSON lines. Idempotent under redelivery: `flush` makes the file durable and then records
 * its length and dedupe state in a sidecar checkpoint; `start` cuts the file back to that length.
 */
export class FileSinkTask implements SinkTask<FileSinkConfig> {
  private ctx: SinkTaskContext<FileSinkConfig> | null = null;
  private handle: FileHandle | null = null;
  private filter: WriteFilter | null = null;
  /** Bytes in the file, written or not yet flushed. */
  private size = 0;
  private buffer: string[] = [];
  private bufferedBytes = 0;
  private dirty = false;
  private readonly bufferLimit: number;

  constructor(options: FileSinkTaskOptions = {}) {
    this.bufferLimit = options.bufferBytes ?? BUFFER_BYTES;
  }

  async start(ctx: SinkTaskContext<FileSinkConfig>): Promise<void> {
    this.ctx = ctx;
    const { path, fsync } = ctx.config;
    await mkdir(dirname(path), { recursive: true });
    const saved = await readCheckpoint(path);
    const handle = await open(path, 'a');
    try {
      const onDisk = (await handle.stat()).size;
      if (saved && onDisk < saved.size) {
        throw new ConnectorError(
          `${path} holds ${onDisk} bytes but its checkpoint says ${saved.size}: it was truncated or replaced outside the sink. ` +
            `Delete ${checkpointPath(path)} to start the output over.`,
        );
      }
      if (saved && onDisk > saved.size) {
        // Lines written after the last flush were never committed; the framework delivers them again.
        ctx.log.info({ path, dropped: onDisk - saved.size }, 'cutting unflushed lines from the output');
        await handle.truncate(saved.size);
        if (fsync) await handle.sync();
      }
      // No checkpoint yet: whatever the file already holds is kept, and a crash returns to exactly that.
      const cp = saved ?? { size: onDisk, next: {}, sources: {} };
      if (!saved) await writeCheckpoint(path, cp, fsync);
      this.size = cp.size;
      this.filter = new WriteFilter(cp);
      this.handle = handle;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    const { ctx, filter } = this;
    if (!ctx || !filter) throw new Error('file-sink: put before start');
    for (const record of records) {
      if (!filter.admit(record)) continue;
      this.dirty = true;
      let line: string;
      try {
        line = formatRecord(record, ctx.config.format);
      } catch (err) {
        await ctx.reportErrant(record, err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      this.buffer.push(line);
      this.bufferedBytes += Buffer.byteLength(line);
      if (this.bufferedBytes >= this.bufferLimit) await this.writeBuffer();
    }
  }

  async flush(offsets: TopicPartitionOffsets): Promise<void> {
    const { ctx, filter, handle } = this;
    if (!ctx || !filter || !handle) throw new Error('file-sink: flush before start');
    for (const { topic, partition, offset } of offsets.values()) {
      if (filter.advance(topic, partition, offset)) this.dirty = true;
    }
    await this.writeBuffer();
    // Nothing new since the last checkpoint: skip the fsyncs.
    if (!this.dirty) return;
    if (ctx.config.fsync) await handle.sync();
    await writeCheckpoint(ctx.config.path, filter.snapshot(this.size), ctx.config.fsync);
    this.dirty = false;
  }

  async stop(): Promise<void> {
    // Unflushed lines are dropped here and cut on the next start: the framework redelivers them.
    this.buffer = [];
    this.bufferedBytes = 0;
    const h = this.handle;
    this.handle = null;
    this.filter = null;
    if (h) await h.close();
  }

  private async writeBuffer(): Promise<void> {
    if (!this.handle || this.buffer.length === 0) return;
    const data = Buffer.from(this.buffer.join(''));
    this.buffer = [];
    this.bufferedBytes = 0;
    await this.handle.appendFile(data);
    this.size += data.length;
  }
}
