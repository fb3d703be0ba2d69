import { ReadBufferPool } from './read-buffer-pool';

describe('ReadBufferPool', () => {
  it('reuses a released buffer and allocates its own for sizes outside the pooled range', () => {
    const pool = new ReadBufferPool(1024, 256, 2);
    const a = pool.acquire(300);
    expect(a.length).toBe(1024);
    pool.release(a);
    expect(pool.acquire(1024)).toBe(a);
    const small = pool.acquire(100);
    const big = pool.acquire(2000);
    expect([small.length, big.length]).toEqual([100, 2000]);
    pool.release(small);
    pool.release(big);
    expect(pool.idle).toBe(0);
  });

  it('never hands one buffer out twice, even after a double release', () => {
    const pool = new ReadBufferPool(1024, 256, 4);
    const a = pool.acquire(512);
    pool.release(a);
    pool.release(a);
    expect(pool.idle).toBe(1);
    const x = pool.acquire(512);
    const y = pool.acquire(512);
    expect(x).not.toBe(y);
  });

  it('keeps at most maxFree idle buffers', () => {
    const pool = new ReadBufferPool(1024, 256, 2);
    const bufs = [pool.acquire(512), pool.acquire(512), pool.acquire(512)];
    for (const b of bufs) pool.release(b);
    expect(pool.idle).toBe(2);
  });

  it('hands out buffers off the slow page+16 copy offset (see allocReadBuffer)', () => {
    const b = new ReadBufferPool(1 << 20, 1024, 1).acquire(4096);
    expect(b.byteOffset).toBe(64);
  });
});
