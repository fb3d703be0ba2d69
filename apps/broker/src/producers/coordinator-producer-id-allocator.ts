import { logger } from '@tributary/common';
import { ProducerIdAllocator, ProducerIdsUnavailableError } from './producer-id-allocator';

/** A block of producer ids [firstId, firstId + size) the coordinator gave to this broker alone. */
export interface ProducerIdBlock {
  firstId: number;
  size: number;
}

/** Asks the coordinator for this broker's next block (AllocateProducerIds); rejects when it cannot. */
export type ProducerIdBlockSource = () => Promise<ProducerIdBlock>;

/** Start fetching the next block once this share of the current one is used (Kafka prefetches at 90%). */
const PREFETCH_AT_USED = 0.9;
/** Waits for a fresh block per allocate before giving up (other callers may drain each block first). */
const MAX_FETCHES_PER_CALL = 3;

/**
 * Cluster mode (KIP-730): producer ids come in blocks from the coordinator, which never hands a block out twice
 * (it is in the metadata log before the broker hears of it), so ids are unique across brokers and restarts of
 * either side. Ids of a block are given out in memory; once most of the block is used the next one is fetched
 * in the background, so InitProducerId rarely waits for the coordinator. When no id is at hand and the
 * coordinator cannot be reached, allocate rejects with ProducerIdsUnavailableError (clients retry). Ids left in
 * a block when the broker stops are simply never used.
 */
export class CoordinatorProducerIdAllocator extends ProducerIdAllocator {
  private readonly log = logger('producers');
  private next = 0;
  private end = 0;
  private prefetchAt = 0;
  private ready: ProducerIdBlock | null = null;
  private fetching: Promise<void> | null = null;

  constructor(private readonly fetchBlock: ProducerIdBlockSource) {
    super();
  }

  allocate(): number | Promise<number> {
    const id = this.take();
    return id !== null ? id : this.allocateAfterFetch();
  }

  /** The next id of the current (or the prefetched) block, or null when both are used up. */
  private take(): number | null {
    if (this.next >= this.end && this.ready) {
      const b = this.ready;
      this.ready = null;
      this.next = b.firstId;
      this.end = b.firstId + b.size;
      this.prefetchAt = b.firstId + Math.floor(b.size * PREFETCH_AT_USED);
    }
    if (this.next >= this.end) return null;
    const id = this.next++;
    if (id >= this.prefetchAt && this.ready === null && this.fetching === null) {
      this.fetch().catch((e: unknown) =>
        this.log.warn(
          { err: e instanceof Error ? e.message : String(e) },
          'could not prefetch the next producer id block; will try again when it is needed',
        ),
      );
    }
    return id;
  }

  private async allocateAfterFetch(): Promise<number> {
    for (let i = 0; i < MAX_FETCHES_PER_CALL; i++) {
      try {
        await this.fetch();
      } catch (e) {
        throw new ProducerIdsUnavailableError(
          `no producer id block from the coordinator: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      const id = this.take();
      if (id !== null) return id;
    }
    throw new ProducerIdsUnavailableError(
      'producer id blocks ran out faster than the coordinator handed them out; retry',
    );
  }

  /** One fetch at a time; its block waits in `ready` until the current block is used up. */
  private fetch(): Promise<void> {
    if (this.ready !== null) return Promise.resolve();
    this.fetching ??= this.fetchBlock()
      .then((b) => {
        if (!Number.isSafeInteger(b.firstId) || !Number.isSafeInteger(b.size) || b.firstId < 0 || b.size < 1)
          throw new Error(`the coordinator sent a malformed producer id block ${JSON.stringify(b)}`);
        this.ready = b;
        this.log.debug(b, 'producer id block received');
      })
      .finally(() => {
        this.fetching = null;
      });
    return this.fetching;
  }
}
