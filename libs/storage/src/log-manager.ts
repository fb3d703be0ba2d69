// All partition logs under one data directory (`<topic>-<partition>` subdirectories), plus the periodic
// retention/compaction tick.
import * as fs from 'node:fs';
import { joinPath } from './file-io';
import { FlushScheduler } from './flush-scheduler';
import { DEFAULT_LOG_CONFIG, LogConfig } from './log-config';
import { PartitionLog } from './partition-log';

/** Suffix a partition directory gets while it is being deleted; leftovers are removed on the next start. */
const DELETING_SUFFIX = '.deleting';

export interface LogManagerOptions {
  /** Config for logs found on disk until getOrCreate supplies the topic's real one. */
  defaultConfig?: LogConfig;
  /** Maintenance failures (one log's failure never stops the others). Defaults to a process warning. */
  onError?: (err: unknown, topic: string, partition: number) => void;
}

/** Splits `<topic>-<partition>`; topics may contain '-', so the partition is what follows the last one. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return null;
  const digits = name.slice(dash + 1);
  if (!/^\d+$/.test(digits)) return null;
  return { topic: name.slice(0, dash), partition: Number(digits) };
}

export const partitionDirName = (topic: string, partition: number): string => `${topic}-${partition}`;

export class LogManager {
  private readonly logs = new Map<string, Map<number, PartitionLog>>();
  private timer: NodeJS.Timeout | null = null;
  private maintenanceRunning = false;
  private readonly defaultConfig: LogConfig;
  private readonly onError: (err: unknown, topic: string, partition: number) => void;

  /** Opens (recovering) every partition log already under `dataDir`. */
  constructor(
    readonly dataDir: string,
    readonly flusher: FlushScheduler = new FlushScheduler(),
    options: LogManagerOptions = {},
  ) {
    this.defaultConfig = options.defaultConfig ?? { ...DEFAULT_LOG_CONFIG };
    this.onError =
      options.onError ??
      ((err, topic, partition) =>
        process.emitWarning(`log maintenance of ${topic}-${partition} failed: ${String(err)}`));
    fs.mkdirSync(dataDir, { recursive: true });
    for (const entry of fs.readdirSync(dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (entry.name.endsWith(DELETING_SUFFIX)) {
        fs.rmSync(joinPath(dataDir, entry.name), { recursive: true, force: true });
        continue;
      }
      const parsed = parsePartitionDirName(entry.name);
      if (parsed === null) continue;
      const log = PartitionLog.open(joinPath(dataDir, entry.name), this.defaultConfig, this.flusher);
      this.put(parsed.topic, parsed.partition, log);
    }
  }

  private put(topic: string, partition: number, log: PartitionLog): void {
    let partitions = this.logs.get(topic);
    if (partitions === undefined) {
      partitions = new Map();
      this.logs.set(topic, partitions);
    }
    partitions.set(partition, log);
  }

  /** The log of topic-partition, created if missing; an existing log takes `config` from now on. */
  getOrCreate(topic: string, partition: number, config: LogConfig): PartitionLog {
    if (topic.length === 0 || topic.includes('/') || topic === '.' || topic === '..') {
      throw new Error(`topic name ${JSON.stringify(topic)} cannot be used as a directory name`);
    }
    if (!Number.isInteger(partition) || partition < 0) {
      throw new Error(`partition ${partition} of topic ${topic} must be a non-negative integer`);
    }
    const existing = this.get(topic, partition);
    if (existing !== undefined) {
      existing.config = config;
      return existing;
    }
    const log = PartitionLog.open(
      joinPath(this.dataDir, partitionDirName(topic, partition)),
      config,
      this.flusher,
    );
    this.put(topic, partition, log);
    return log;
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(topic)?.get(partition);
  }

  /** Every open log with its topic and partition. */
  all(): Array<{ topic: string; partition: number; log: PartitionLog }> {
    const out: Array<{ topic: string; partition: number; log: PartitionLog }> = [];
    for (const [topic, partitions] of this.logs) {
      for (const [partition, log] of partitions) out.push({ topic, partition, log });
    }
    return out;
  }

  topics(): string[] {
    return [...this.logs.keys()];
  }

  /** Closes and removes every partition directory of `topic` (renamed first, so a crash cannot resurrect it). */
  deleteTopic(topic: string): void {
    const partitions = this.logs.get(topic);
    this.logs.delete(topic);
    if (partitions === undefined) return;
    for (const [partition, log] of partitions) {
      const deleting = joinPath(this.dataDir, `${partitionDirName(topic, partition)}${DELETING_SUFFIX}`);
      fs.rmSync(deleting, { recursive: true, force: true });
      fs.renameSync(log.dir, deleting);
      log.delete();
      fs.rmSync(deleting, { recursive: true, force: true });
    }
  }

  /** One retention + compaction pass over every log. */
  async runMaintenance(now = Date.now()): Promise<void> {
    if (this.maintenanceRunning) return;
    this.maintenanceRunning = true;
    try {
      for (const { topic, partition, log } of this.all()) {
        if (this.get(topic, partition) !== log) continue; // deleted meanwhile
        try {
          log.applyRetention(now);
          if (log.config.cleanupPolicy !== 'delete') await log.compact(now);
        } catch (err) {
          this.onError(err, topic, partition);
        }
      }
    } finally {
      this.maintenanceRunning = false;
    }
  }

  startMaintenance(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.runMaintenance(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stops maintenance, flushes and closes every log. */
  async closeAll(): Promise<void> {
    this.stop();
    const logs = this.all();
    this.logs.clear();
    await Promise.all(logs.map(({ log }) => log.close()));
  }
}
