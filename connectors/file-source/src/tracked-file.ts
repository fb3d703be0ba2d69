import { open, type FileHandle } from 'node:fs/promises';
import { fingerprintOf, readHead } from './fingerprint';
import type { MultilineJoiner } from './multiline';

/**
 * One file identity (a fingerprint) and how far it has been read. The identity outlives paths: it is read
 * through one open handle at a time, which may be replaced by another path holding the same content.
 */
export class TrackedFile {
  /** End of the last emitted event: the offset the framework will store. */
  position: number;
  /** End of the last line consumed; ahead of `position` while a multi-line event is pending. */
  readPos: number;
  handle: FileHandle | null = null;
  /** Path of the open handle as last seen on disk (only for headers and logs). */
  path: string | null = null;
  /** The last read reached the end of the file. */
  caughtUp = false;
  /** No globbed path holds this identity any more (renamed away or deleted); the handle is closed once read out. */
  gone = false;
  /** The source partition of its records; one object, so the framework keys it once per batch. */
  readonly partition: Readonly<{ fingerprint: string }>;

  constructor(
    readonly fingerprint: string,
    /** How many leading bytes were hashed; the same count is hashed to recognise the file later. */
    readonly head: number,
    /** Those bytes, when seen in this run; lets a half-copied file be told apart from a new one. */
    readonly headBytes: Buffer | null,
    position: number,
    readonly joiner: MultilineJoiner | null,
  ) {
    this.position = position;
    this.readPos = position;
    this.partition = { fingerprint };
  }

  /** Opens `path` as this identity's handle, if it really holds this identity's content up to `position`. */
  async openAt(path: string): Promise<boolean> {
    const handle = await open(path, 'r').catch(() => null);
    if (!handle) return false;
    this.handle = handle;
    this.path = path;
    this.caughtUp = false;
    this.gone = false;
    if (await this.verify()) return true;
    await this.close();
    return false;
  }

  /**
   * Whether the open handle still holds this identity: its head hashes to the fingerprint and it is not shorter
   * than what was read. Fails after a truncation (copy-truncate) or an in-place rewrite.
   */
  async verify(): Promise<boolean> {
    if (!this.handle) return false;
    try {
      const { size } = await this.handle.stat();
      if (size < this.readPos || size < this.head) return false;
      const head = await readHead(this.handle, this.head);
      return head.length === this.head && fingerprintOf(head) === this.fingerprint;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    this.caughtUp = false;
    if (h) await h.close().catch(() => undefined);
  }
}

/** Every identity known to the task, indexed by fingerprint and by head length for matching files on disk. */
export class FileRegistry {
  private readonly byFingerprint = new Map<string, TrackedFile>();
  /** head length → fingerprints hashed over that many bytes. */
  private readonly byHead = new Map<number, Set<string>>();

  add(file: TrackedFile): void {
    this.byFingerprint.set(file.fingerprint, file);
    let set = this.byHead.get(file.head);
    if (!set) this.byHead.set(file.head, (set = new Set()));
    set.add(file.fingerprint);
  }

  get(fingerprint: string): TrackedFile | undefined {
    return this.byFingerprint.get(fingerprint);
  }

  all(): TrackedFile[] {
    return [...this.byFingerprint.values()];
  }

  /** The identity whose first `head` bytes equal this file's, preferring the longest head. */
  match(head: Buffer): TrackedFile | null {
    const lengths = [...this.byHead.keys()].filter((n) => n <= head.length).sort((a, b) => b - a);
    for (const n of lengths) {
      const found = this.byFingerprint.get(fingerprintOf(head.subarray(0, n)));
      if (found && found.head === n) return found;
    }
    return null;
  }

  /** True when `head` is a strict prefix of a known identity's head: possibly that file, half copied. */
  isPrefixOfKnown(head: Buffer): boolean {
    for (const f of this.byFingerprint.values()) {
      if (
        f.headBytes &&
        f.headBytes.length > head.length &&
        f.headBytes.subarray(0, head.length).equals(head)
      )
        return true;
    }
    return false;
  }
}
