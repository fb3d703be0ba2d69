import { CoordinatorProducerIdAllocator, type ProducerIdBlock } from './coordinator-producer-id-allocator';
import { ProducerIdsUnavailableError } from './producer-id-allocator';

/** A stand-in for the coordinator's AllocateProducerIds: consecutive blocks, answered when the test says. */
class BlockSource {
  next = 0;
  calls = 0;
  down = false;
  private pending: (() => void)[] = [];
  constructor(readonly size: number) {}

  readonly fetch = (): Promise<ProducerIdBlock> => {
    this.calls++;
    return new Promise((resolve, reject) => {
      this.pending.push(() => {
        if (this.down) return reject(new Error('coordinator 127.0.0.1:1 did not answer'));
        const b = { firstId: this.next, size: this.size };
        this.next += this.size;
        resolve(b);
      });
    });
  };

  /** Answers every request made so far. */
  answer(): void {
    const p = this.pending;
    this.pending = [];
    for (const f of p) f();
  }
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

async function allocateAnswering(a: CoordinatorProducerIdAllocator, src: BlockSource): Promise<number> {
  const r = a.allocate();
  if (typeof r === 'number') return r;
  await settle();
  src.answer();
  return r;
}

describe('CoordinatorProducerIdAllocator', () => {
  it('waits for the first block, then hands out its ids synchronously and prefetches the next one', async () => {
    const src = new BlockSource(10);
    const a = new CoordinatorProducerIdAllocator(src.fetch);
    expect(await allocateAnswering(a, src)).toBe(0);
    const ids: (number | Promise<number>)[] = [];
    for (let i = 1; i < 9; i++) ids.push(a.allocate());
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(src.calls).toBe(1);
    expect(a.allocate()).toBe(9); // 90% used: the next block is asked for in the background
    expect(src.calls).toBe(2);
    src.answer();
    await settle();
    // The prefetched block takes over without a wait.
    expect(a.allocate()).toBe(10);
    expect(src.calls).toBe(2);
  });

  it('shares one fetch among concurrent callers and never hands out an id twice', async () => {
    const src = new BlockSource(3);
    const a = new CoordinatorProducerIdAllocator(src.fetch);
    const waiting = Array.from({ length: 7 }, () => a.allocate());
    for (let i = 0; i < 5; i++) {
      await settle();
      src.answer();
    }
    const ids = await Promise.all(waiting);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('rejects with ProducerIdsUnavailableError while the coordinator is unreachable, and recovers', async () => {
    const src = new BlockSource(5);
    const a = new CoordinatorProducerIdAllocator(src.fetch);
    src.down = true;
    await expect(allocateAnswering(a, src)).rejects.toThrow(ProducerIdsUnavailableError);
    await expect(allocateAnswering(a, src)).rejects.toThrow(/no producer id block from the coordinator/);
    src.down = false;
    expect(await allocateAnswering(a, src)).toBe(0);
  });

  it('refuses a malformed block instead of handing out its ids', async () => {
    const a = new CoordinatorProducerIdAllocator(() => Promise.resolve({ firstId: -1, size: 10 }));
    await expect(a.allocate()).rejects.toThrow(/malformed producer id block/);
  });
});
