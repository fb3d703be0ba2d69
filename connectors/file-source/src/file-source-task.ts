import { sleep } from '@tributary/connect-sdk';
import type { SourceRecord, SourceTask, SourceTaskContext } from '@tributary/connect-sdk';
import { open } from 'node:fs/promises';
import type { FileSourceConfig } from './config';
import { fingerprintOf, lastLineEnd } from './fingerprint';
import { FileScanner, type FoundFile } from './file-scanner';
import { readLines } from './line-reader';
import { MultilineJoiner, type TextEvent } from './multiline';
import { makeParser, type Parser } from './parse';
import { FileRegistry, TrackedFile } from './tracked-file';

const CHUNK_BYTES = 256 * 1024;
/** Bytes of lines one file may contribute to one poll, so a backlog is read in slices. */
const MAX_BYTES_PER_READ = 8 * 1024 * 1024;
/** How long one poll may wait for new lines before returning an empty batch. */
const POLL_WAIT_MS = 1000;

export interface FileSourceTaskOptions {
  /** Clock for multi-line flush timeouts; tests substitute their own. */
  now?: () => number;
  /** How long a poll waits for new lines before returning []; tests use 0 for one scan-and-read per poll. */
  maxWaitMs?: number;
}

/**
 * Tails the files matched by the globs. Offsets are `{ position, head }` per `{ fingerprint }` partition and live
 * only in the framework; on start the stored fingerprints are matched against the files on disk.
 */
export class FileSourceTask implements SourceTask<FileSourceConfig> {
  private ctx: SourceTaskContext<FileSourceConfig> | null = null;
  private config!: FileSourceConfig;
  private scanner!: FileScanner;
  private parse!: Parser;
  private readonly registry = new FileRegistry();
  private lastScanAt: number | null = null;
  private scans = 0;
  /** Rotates which file is read first so one busy file cannot starve the others. */
  private cursor = 0;
  private stopped = false;
  private inflight: Promise<unknown> = Promise.resolve();
  private readonly wake = new AbortController();
  private readonly now: () => number;
  private readonly maxWaitMs: number;

  constructor(options: FileSourceTaskOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxWaitMs = options.maxWaitMs ?? POLL_WAIT_MS;
  }

  async start(ctx: SourceTaskContext<FileSourceConfig>): Promise<void> {
    this.ctx = ctx;
    this.config = ctx.config;
    this.scanner = new FileScanner(this.config.paths, this.config['fingerprint.bytes']);
    this.parse = makeParser(this.config);
    for (const { partition, offset } of ctx.storedOffsets()) {
      const fp = partition['fingerprint'];
      const position = offset['position'];
      const head = offset['head'];
      if (typeof fp !== 'string' || typeof position !== 'number' || typeof head !== 'number') continue;
      this.registry.add(new TrackedFile(fp, head, null, position, this.newJoiner()));
    }
    ctx.log.info({ paths: this.config.paths, resumed: this.registry.all().length }, 'file source started');
  }

  poll(signal: AbortSignal): Promise<SourceRecord[]> {
    const run = this.pollOnce(signal);
    this.inflight = run.catch(() => undefined);
    return run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.inflight;
    for (const f of this.registry.all()) await f.close();
  }

  private async pollOnce(signal: AbortSignal): Promise<SourceRecord[]> {
    const ctx = this.ctx;
    if (!ctx) return [];
    const deadline = Date.now() + this.maxWaitMs;
    const interval = this.config['poll.interval'];
    for (;;) {
      if (this.stopped || signal.aborted || ctx.signal.aborted) return [];
      if (this.lastScanAt === null || Date.now() - this.lastScanAt >= interval) {
        await this.scan();
        this.lastScanAt = Date.now();
      }
      const out = await this.readAvailable();
      if (out.length > 0) return out;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await sleep(Math.min(interval, left), signal, ctx.signal, this.wake.signal);
    }
  }

  /** Matches the files on disk to identities, opens a handle for identities that need one, closes finished ones. */
  private async scan(): Promise<void> {
    const first = this.scans++ === 0;
    const paths = new Map<TrackedFile, FoundFile[]>();
    for (const found of await this.scanner.scan()) {
      const file = this.registry.match(found.head) ?? (await this.identifyNew(found, first));
      // A path shorter than the read position cannot continue that identity (e.g. a copy missing the tail).
      if (!file || found.size < file.position) continue;
      const list = paths.get(file) ?? [];
      list.push(found);
      paths.set(file, list);
    }
    for (const file of this.registry.all()) {
      const onDisk = paths.get(file) ?? [];
      if (!file.handle) {
        // Never two handles for one fingerprint: the largest copy continues the identity.
        for (const candidate of [...onDisk].sort((a, b) => b.size - a.size)) {
          if (await file.openAt(candidate.path)) break;
        }
        continue;
      }
      if (file.caughtUp && (await this.switchToLonger(file, onDisk))) continue;
      if (onDisk.length > 0 && !onDisk.some((f) => f.path === file.path)) file.path = onDisk[0].path;
      // Renamed away from every glob (or deleted): read on through the handle, close once a read finds its end.
      file.gone = onDisk.length === 0;
    }
  }

  /**
   * A fully read handle whose content continues further under another path (the original was deleted after a
   * copy, or the copy was finished later) hands over to that path: the longest copy continues the identity.
   */
  private async switchToLonger(file: TrackedFile, onDisk: readonly FoundFile[]): Promise<boolean> {
    const longest = onDisk.reduce<FoundFile | null>((a, b) => (a && a.size >= b.size ? a : b), null);
    const size = await file.handle?.stat().then(
      (st) => st.size,
      () => 0,
    );
    if (!longest || size === undefined || longest.size <= size) return false;
    await file.close();
    await file.openAt(longest.path);
    return true;
  }

  /** A file matching no identity gets one once it holds a complete line (or a full fingerprint's worth of bytes). */
  private async identifyNew(found: FoundFile, firstScan: boolean): Promise<TrackedFile | null> {
    const full = found.head.length >= this.config['fingerprint.bytes'];
    if (!full && !found.head.includes(0x0a)) return null;
    // A short file whose bytes begin a known identity's head may be that file being copied: wait for more.
    if (!full && this.registry.isPrefixOfKnown(found.head)) return null;
    let position = 0;
    if (firstScan && this.config['read.from'] === 'end') {
      const handle = await open(found.path, 'r').catch(() => null);
      if (!handle) return null;
      try {
        position = await lastLineEnd(handle, (await handle.stat()).size);
      } finally {
        await handle.close();
      }
    }
    const file = new TrackedFile(
      fingerprintOf(found.head),
      found.head.length,
      found.head,
      position,
      this.newJoiner(),
    );
    this.registry.add(file);
    this.ctx?.log.info({ fingerprint: file.fingerprint, path: found.path, position }, 'new file');
    return file;
  }

  /** Reads complete lines from every open file, up to `batch.size` records. */
  private async readAvailable(): Promise<SourceRecord[]> {
    const out: SourceRecord[] = [];
    const budget = this.config['batch.size'];
    const files = this.registry.all();
    const start = files.length > 0 ? this.cursor++ % files.length : 0;
    for (let i = 0; i < files.length && out.length < budget && !this.stopped; i++) {
      const file = files[(start + i) % files.length];
      if (file.handle) await this.readFile(file, out, budget);
      if (file.joiner && (file.caughtUp || !file.handle) && out.length < budget) {
        const idle = file.joiner.takeIfIdle(this.now(), this.flushTimeout());
        if (idle) this.emit(file, idle, out);
      }
      if (file.handle && file.gone && file.caughtUp && !file.joiner?.hasPending) {
        this.ctx?.log.debug(
          { fingerprint: file.fingerprint, path: file.path },
          'file gone from the globs and fully read; closing',
        );
        await file.close();
      }
    }
    return out;
  }

  private async readFile(file: TrackedFile, out: SourceRecord[], budget: number): Promise<void> {
    const handle = file.handle;
    if (!handle) return;
    try {
      if (!(await file.verify())) {
        this.ctx?.log.info(
          { fingerprint: file.fingerprint, path: file.path },
          'file truncated or replaced; looking for its content elsewhere',
        );
        await file.close();
        return;
      }
      const { lines, caughtUp } = await readLines(handle, file.readPos, {
        maxLines: budget - out.length,
        maxLineBytes: this.config['max.line.bytes'],
        chunkBytes: CHUNK_BYTES,
        maxBytes: MAX_BYTES_PER_READ,
      });
      // Checked again after reading: a truncation during the read would have handed us another file's bytes.
      if (lines.length > 0 && !(await file.verify())) {
        await file.close();
        return;
      }
      let consumed = 0;
      for (const line of lines) {
        if (out.length >= budget) break;
        const event: TextEvent = {
          start: line.start,
          end: line.end,
          text: line.bytes.toString(this.config.encoding),
          oversized: line.oversized,
        };
        const events = file.joiner ? file.joiner.push(event, this.now()) : [event];
        for (const e of events) this.emit(file, e, out);
        file.readPos = line.end;
        consumed++;
      }
      file.caughtUp = caughtUp && consumed === lines.length;
    } catch (err) {
      this.ctx?.log.warn(
        { err, fingerprint: file.fingerprint, path: file.path },
        'reading file failed; will reopen',
      );
      await file.close();
    }
  }

  private emit(file: TrackedFile, event: TextEvent, out: SourceRecord[]): void {
    const where = `${file.path ?? file.fingerprint} at byte ${event.start}`;
    const parsed = event.oversized
      ? {
          value: event.text,
          failure: new Error(`${where}: line longer than max.line.bytes (${this.config['max.line.bytes']})`),
        }
      : this.parse(event.text, where);
    file.position = event.end;
    const record: SourceRecord = {
      topic: this.config.topic,
      key: file.fingerprint,
      value: parsed.value,
      headers: {
        'source.id': file.fingerprint,
        'source.position': String(event.start),
        'file.path': file.path ?? '',
      },
      sourcePartition: file.partition,
      sourceOffset: { position: event.end, head: file.head },
    };
    if (parsed.failure) record.failure = parsed.failure;
    out.push(record);
  }

  private flushTimeout(): number {
    return this.config.multiline?.['flush.timeout'] ?? 0;
  }

  private newJoiner(): MultilineJoiner | null {
    const m = this.config.multiline;
    return m ? new MultilineJoiner(new RegExp(m.start), m['max.lines']) : null;
  }
}
