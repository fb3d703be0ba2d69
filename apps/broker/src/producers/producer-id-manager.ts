import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProducerIdAllocator } from './producer-id-allocator';

/** Ids reserved per write of the block file: one fsync per this many InitProducerId calls. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

interface BlockFile {
  version: 1;
  /** Every id below this may have been handed out; the next run starts here. */
  nextBlockStart: number;
}

/**
 * Single node: hands out producer ids that stay unique across restarts: before using a block of ids it persists the end of
 * the block (`__metadata/producer-ids.json`, write-temp + fsync + rename), so a restart, even after kill -9,
 * starts past every id a previous run may have given out. Producer state rebuilt from the logs therefore never
 * mistakes a new producer for an old one.
 */
export class ProducerIdManager extends ProducerIdAllocator {
  private readonly dir: string;
  private readonly file: string;
  private next: number;
  private blockEnd: number;

  constructor(
    dataDir: string,
    private readonly blockSize = PRODUCER_ID_BLOCK_SIZE,
  ) {
    super();
    this.dir = join(dataDir, '__metadata');
    mkdirSync(this.dir, { recursive: true });
    this.file = join(this.dir, 'producer-ids.json');
    this.next = this.load();
    this.blockEnd = this.next;
  }

  /** A fresh producer id (epoch 0 is the caller's); always synchronous. */
  allocate(): number {
    if (this.next >= this.blockEnd) {
      this.blockEnd = this.next + this.blockSize;
      this.persist({ version: 1, nextBlockStart: this.blockEnd });
    }
    return this.next++;
  }

  private load(): number {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
    let parsed: Partial<BlockFile>;
    try {
      parsed = JSON.parse(text) as Partial<BlockFile>;
    } catch (e) {
      throw new Error(
        `${this.file} is not valid JSON (${(e as Error).message}); restore it from a backup, or delete it only if no producer state exists`,
      );
    }
    const start = parsed.nextBlockStart;
    if (parsed.version !== 1 || typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) {
      throw new Error(
        `${this.file} holds ${JSON.stringify(parsed)}, expected {"version":1,"nextBlockStart":<id>}; fix or restore the file`,
      );
    }
    return start;
  }

  private persist(state: BlockFile): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    // The rename itself must survive a power loss, or a restart could hand out the same block again.
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}
