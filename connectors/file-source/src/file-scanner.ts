import fg from 'fast-glob';
import { open, stat } from 'node:fs/promises';
import { readHead } from './fingerprint';

/** A file found by the globs: its size and its first `fingerprint.bytes` bytes (fewer if it is shorter). */
export interface FoundFile {
  path: string;
  size: number;
  head: Buffer;
}

interface CacheEntry {
  signature: string;
  found: FoundFile;
}

/**
 * Expands the globs and reads each file's head. Heads are cached per path while the file's stat is unchanged,
 * so an idle directory of rotated files costs one stat per file per scan.
 */
export class FileScanner {
  private cache = new Map<string, CacheEntry>();

  constructor(
    private readonly patterns: readonly string[],
    private readonly headBytes: number,
  ) {}

  async scan(): Promise<FoundFile[]> {
    const paths = await fg([...this.patterns], {
      absolute: true,
      onlyFiles: true,
      unique: true,
      suppressErrors: true,
      dot: true,
    });
    paths.sort();
    const next = new Map<string, CacheEntry>();
    const found: FoundFile[] = [];
    for (const path of paths) {
      const entry = await this.probe(path);
      if (!entry) continue;
      next.set(path, entry);
      found.push(entry.found);
    }
    this.cache = next;
    return found;
  }

  private async probe(path: string): Promise<CacheEntry | null> {
    const st = await stat(path).catch(() => null);
    if (!st || !st.isFile()) return null;
    const signature = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const cached = this.cache.get(path);
    if (cached && cached.signature === signature) return cached;
    const handle = await open(path, 'r').catch(() => null);
    if (!handle) return null;
    try {
      const head = await readHead(handle, this.headBytes);
      return { signature, found: { path, size: Math.max(st.size, head.length), head } };
    } finally {
      await handle.close();
    }
  }
}
