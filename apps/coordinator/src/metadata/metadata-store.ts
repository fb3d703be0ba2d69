import type { ClusterState, MetadataEntry, MetadataRecord } from '@tributary/cluster';
import { MetadataLog } from './metadata-log';

export interface MetadataStoreOptions {
  /** Snapshot (and empty the log) after this many entries. */
  snapshotEvery: number;
  /** Entries kept in memory to answer brokers with deltas; a broker further behind gets a snapshot. */
  retainEntries: number;
}

/**
 * The coordinator's metadata: the state machine plus its durable log. `commit` is the only way to change it:
 * the records are checked against a copy of the state, appended and synced, and only then become the state,
 * so nothing is ever visible (or acknowledged) that a crash could take back.
 * (The copy costs O(metadata) per commit; metadata changes are rare next to produce traffic.)
 */
export class MetadataStore {
  private current: ClusterState;
  private readonly recent: MetadataEntry[];
  private sinceSnapshot: number;

  private constructor(
    private readonly log: MetadataLog,
    state: ClusterState,
    replayed: MetadataEntry[],
    private readonly opts: MetadataStoreOptions,
    readonly recoveredTornBytes: number,
  ) {
    this.current = state;
    this.recent = replayed.slice(-opts.retainEntries);
    this.sinceSnapshot = replayed.length;
  }

  static open(dir: string, opts: MetadataStoreOptions): MetadataStore {
    const { log, state, replayed, truncatedBytes } = MetadataLog.open(dir);
    return new MetadataStore(log, state, replayed, opts, truncatedBytes);
  }

  get state(): ClusterState {
    return this.current;
  }

  /** Makes the records durable as one entry and applies them; returns the entry (null for no records). */
  commit(records: MetadataRecord[]): MetadataEntry | null {
    if (records.length === 0) return null;
    const entry: MetadataEntry = { offset: this.current.offset + 1, records };
    const next = this.current.clone();
    next.apply(entry); // throws before anything is written if the records do not fit
    this.log.append(entry);
    this.current = next;
    this.recent.push(entry);
    if (this.recent.length > this.opts.retainEntries) this.recent.shift();
    if (++this.sinceSnapshot >= this.opts.snapshotEvery) {
      this.log.snapshot(next.toSnapshot());
      this.sinceSnapshot = 0;
    }
    return entry;
  }

  /** Entries after `offset` (at most `max`), or null when they are no longer retained. */
  entriesAfter(offset: number, max: number): MetadataEntry[] | null {
    if (offset > this.current.offset || offset < 0) return null;
    if (offset === this.current.offset) return [];
    const first = this.recent[0];
    if (!first || first.offset > offset + 1) return null;
    const from = offset + 1 - first.offset;
    return this.recent.slice(from, from + max);
  }

  close(): void {
    this.log.close();
  }
}
