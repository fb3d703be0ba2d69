import * as zlib from 'node:zlib';
import { compress as zstdCompress } from '@mongodb-js/zstd';
import fc from 'fast-check';
import { compressFrameSync, compressSync as lz4BlockSync } from 'lz4-napi';
import { compressSync as snappyRaw } from 'snappy';
import { ErrorCode } from '../errors';
import { Compression } from './batch-header';
import { compress, compressSync, decompress, decompressSync } from './codecs';
import { lz4DecompressFrameBounded, lz4FrameBound } from './lz4-frame';
import { RecordDecodeError } from './record-decode-error';
import { XERIAL_MAGIC, isXerialFramed } from './snappy-xerial';
import { ZSTD_BOUND_SLACK, zstdFrameBound } from './zstd-frame';

const MB = 1024 * 1024;
const ALL = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

/** The tightest limit each codec honours exactly: zstd's header walk can overshoot by one block. */
function limitFor(codec: Compression, size: number): number {
  return codec === Compression.Zstd ? size + ZSTD_BOUND_SLACK : size;
}

/** Compressible but not trivial: repeated words with a counter. */
function text(bytes: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  let len = 0;
  while (len < bytes) {
    const s = `record-${n++ % 97} payload lorem ipsum; `;
    parts.push(s);
    len += s.length;
  }
  return Buffer.from(parts.join('').slice(0, bytes));
}

async function rejection(p: Promise<unknown>): Promise<RecordDecodeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RecordDecodeError) return e;
    throw e;
  }
  throw new Error('expected a RecordDecodeError');
}

describe('codecs', () => {
  it.each(ALL)('round-trips codec %i, async and sync', async (codec) => {
    for (const data of [Buffer.alloc(0), Buffer.from('x'), text(300_000)]) {
      const packed = await compress(codec, data);
      expect((await decompress(codec, packed, limitFor(codec, data.length))).equals(data)).toBe(true);
      if (codec !== Compression.Zstd) {
        expect(decompressSync(codec, compressSync(codec, data), data.length).equals(data)).toBe(true);
        expect(decompressSync(codec, packed, data.length).equals(data)).toBe(true);
      }
    }
  });

  it('round-trips random data under every codec', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL),
        fc.uint8Array({ maxLength: 5000 }),
        fc.nat(8),
        async (codec, bytes, reps) => {
          // Repeat the sample so compressors find matches, including overlapping ones.
          const data = Buffer.concat(Array.from({ length: reps + 1 }, () => Buffer.from(bytes)));
          const packed = await compress(codec, data);
          expect((await decompress(codec, packed, limitFor(codec, data.length))).equals(data)).toBe(true);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('rejects unknown codecs', async () => {
    await expect(compress(5 as Compression, Buffer.from('x'))).rejects.toThrow(/codec 5 is not one of/);
    await expect(decompress(7 as Compression, Buffer.from('x'), 10)).rejects.toThrow(RecordDecodeError);
  });

  describe('snappy', () => {
    it('writes the xerial framing Java and librdkafka read', async () => {
      const data = text(100_000);
      const packed = await compress(Compression.Snappy, data);
      expect(packed.subarray(0, 8).equals(XERIAL_MAGIC)).toBe(true);
      expect(packed.readInt32BE(8)).toBe(1);
      expect(packed.readInt32BE(12)).toBe(1);
      expect(isXerialFramed(packed)).toBe(true);
      // 32 KiB blocks, like xerial SnappyOutputStream.
      const first = packed.readInt32BE(16);
      expect(
        decompressSync(Compression.Snappy, Buffer.concat([packed.subarray(0, 20 + first)]), MB).length,
      ).toBe(32 * 1024);
    });

    it('reads a xerial stream assembled by hand from raw blocks', async () => {
      const a = text(40_000);
      const b = Buffer.from('tail block');
      const block = (raw: Buffer): Buffer => {
        const len = Buffer.alloc(4);
        len.writeInt32BE(raw.length);
        return Buffer.concat([len, raw]);
      };
      const header = Buffer.concat([XERIAL_MAGIC, Buffer.from('0000000100000001', 'hex')]);
      const stream = Buffer.concat([header, block(snappyRaw(a)), block(snappyRaw(b))]);
      expect((await decompress(Compression.Snappy, stream, MB)).equals(Buffer.concat([a, b]))).toBe(true);
    });

    it('reads one raw snappy block, as librdkafka writes it', async () => {
      const data = text(70_000);
      const raw = snappyRaw(data);
      expect(isXerialFramed(raw)).toBe(false);
      expect((await decompress(Compression.Snappy, raw, MB)).equals(data)).toBe(true);
      expect(decompressSync(Compression.Snappy, raw, MB).equals(data)).toBe(true);
    });

    it('refuses a block whose declared size is over the limit before decompressing', async () => {
      const raw = snappyRaw(Buffer.alloc(2 * MB));
      const e = await rejection(decompress(Compression.Snappy, raw, MB));
      expect(e.errorCode).toBe(ErrorCode.INVALID_RECORD);
      expect(e.message).toMatch(/2097152 bytes, more than the 1048576-byte limit/);
      // A preamble claiming ~4 GiB with almost no data behind it.
      await expect(decompress(Compression.Snappy, Buffer.from('ffffffff0f00', 'hex'), MB)).rejects.toThrow(
        /more than the/,
      );
    });

    it('reports a truncated xerial stream and corrupt blocks as CORRUPT_MESSAGE', async () => {
      const packed = await compress(Compression.Snappy, text(50_000));
      const cut = await rejection(decompress(Compression.Snappy, packed.subarray(0, packed.length - 10), MB));
      expect(cut.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
      const bad = await rejection(decompress(Compression.Snappy, Buffer.from('0a0102', 'hex'), MB));
      expect(bad.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    });
  });

  describe('gzip', () => {
    it('refuses a 200 MB gzip bomb at the limit', async () => {
      const bomb = zlib.gzipSync(Buffer.alloc(200 * MB), { level: 1 });
      expect(bomb.length).toBeLessThan(MB);
      const e = await rejection(decompress(Compression.Gzip, bomb, 4 * MB));
      expect(e.errorCode).toBe(ErrorCode.INVALID_RECORD);
      expect(e.message).toMatch(/gzip records would decompress to more than 4194304 bytes/);
      expect(() => decompressSync(Compression.Gzip, bomb, 4 * MB)).toThrow(
        /more than the 4194304-byte limit/,
      );
    });

    it('accepts output of exactly the limit', async () => {
      const data = text(10_000);
      expect((await decompress(Compression.Gzip, zlib.gzipSync(data), 10_000)).equals(data)).toBe(true);
      await expect(decompress(Compression.Gzip, zlib.gzipSync(data), 9_999)).rejects.toThrow(
        RecordDecodeError,
      );
    });

    it('reports corrupt gzip as CORRUPT_MESSAGE', async () => {
      const e = await rejection(decompress(Compression.Gzip, Buffer.from('not gzip at all'), MB));
      expect(e.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
      expect(e.message).toMatch(/gzip data is corrupt/);
    });
  });

  describe('lz4', () => {
    /** A frame with 64 KiB independent blocks, like librdkafka and the Java client write. */
    function frame64k(data: Buffer, stored = false): Buffer {
      const parts: Buffer[] = [Buffer.from('04224d18604082', 'hex')]; // magic, FLG (v1, independent), BD 64 KiB, header checksum
      for (let at = 0; at < data.length; at += 65536) {
        const chunk = data.subarray(at, at + 65536);
        const body = stored ? chunk : lz4BlockSync(chunk).subarray(4); // drop lz4-napi's size prefix
        const size = Buffer.alloc(4);
        size.writeUInt32LE((body.length | (stored ? 0x80000000 : 0)) >>> 0);
        parts.push(size, body);
      }
      parts.push(Buffer.alloc(4)); // end mark
      return Buffer.concat(parts);
    }

    it('uses the LZ4 frame format', async () => {
      const packed = await compress(Compression.Lz4, text(1000));
      expect(packed.readUInt32LE(0)).toBe(0x184d2204);
    });

    it('reads multi-block 64 KiB frames through both the native and the bounded decoder', async () => {
      const data = text(300_000);
      for (const stored of [false, true]) {
        const f = frame64k(data, stored);
        expect((await decompress(Compression.Lz4, f, MB)).equals(data)).toBe(true);
        expect(lz4DecompressFrameBounded(f, data.length).equals(data)).toBe(true);
      }
    });

    it('falls back to the exact decoder when the bound is loose, so legit data at the limit is accepted', async () => {
      const data = text(100_000);
      const packed = compressFrameSync(data, { blockChecksums: true, contentChecksum: true });
      expect(lz4FrameBound(packed, data.length)).toBeGreaterThan(data.length);
      expect((await decompress(Compression.Lz4, packed, data.length)).equals(data)).toBe(true);
      expect(decompressSync(Compression.Lz4, packed, data.length).equals(data)).toBe(true);
      await expect(decompress(Compression.Lz4, packed, data.length - 1)).rejects.toThrow(/more than 99999/);
    });

    it('bounded decoder agrees with the native one on random data', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(20), (bytes, reps) => {
          const data = Buffer.concat(Array.from({ length: reps + 1 }, () => Buffer.from(bytes)));
          expect(lz4DecompressFrameBounded(compressFrameSync(data), data.length).equals(data)).toBe(true);
          expect(lz4DecompressFrameBounded(frame64k(data), data.length).equals(data)).toBe(true);
        }),
        { seed: 42, numRuns: 200 },
      );
    });

    it('refuses a 50 MB lz4 bomb without inflating it', async () => {
      const bomb = compressFrameSync(Buffer.alloc(50 * MB));
      const e = await rejection(decompress(Compression.Lz4, bomb, MB));
      expect(e.errorCode).toBe(ErrorCode.INVALID_RECORD);
      expect(e.message).toMatch(/lz4 records would decompress to more than 1048576 bytes/);
    });

    it('refuses a frame whose declared content size is over the limit', async () => {
      const f = Buffer.from('04224d1868400000000000010000' + '00' + '00000000', 'hex'); // content size 2^40
      await expect(decompress(Compression.Lz4, f, MB)).rejects.toThrow(/1099511627776 bytes, more than/);
    });

    it('reports non-frame and corrupt lz4 data as CORRUPT_MESSAGE', async () => {
      const block = lz4BlockSync(text(1000)); // the block format Kafka does not use
      const e = await rejection(decompress(Compression.Lz4, block, MB));
      expect(e.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
      expect(e.message).toMatch(/not an LZ4 frame/);
      // One block whose first sequence copies from before the start of the output.
      const backRef = Buffer.from('04224d18604082' + '04000000' + '0f010000' + '00000000', 'hex');
      expect(() => lz4DecompressFrameBounded(backRef, MB)).toThrow(/match offset 1 points before the output/);
      expect((await rejection(decompress(Compression.Lz4, backRef, MB))).errorCode).toBe(
        ErrorCode.CORRUPT_MESSAGE,
      );
      const cut = await rejection(decompress(Compression.Lz4, frame64k(text(1000)).subarray(0, 20), MB));
      expect(cut.message).toMatch(/truncated/);
    });
  });

  describe('zstd', () => {
    it('refuses a 200 MB zstd bomb from its block headers', async () => {
      const bomb = await zstdCompress(Buffer.alloc(200 * MB));
      expect(bomb.length).toBeLessThan(MB);
      expect(() => zstdFrameBound(bomb, 4 * MB)).toThrow(/zstd records would decompress/);
      const e = await rejection(decompress(Compression.Zstd, bomb, 4 * MB));
      expect(e.errorCode).toBe(ErrorCode.INVALID_RECORD);
    });

    it('accepts full 128 KiB blocks exactly at the limit', async () => {
      const data = text(MB);
      expect((await decompress(Compression.Zstd, await zstdCompress(data), MB)).equals(data)).toBe(true);
    });

    it('refuses a frame whose declared content size is over the limit', async () => {
      const f = Buffer.from('28b52ffd' + 'e0' + '0000000000010000' + '010000', 'hex'); // single segment, FCS 2^40
      await expect(decompress(Compression.Zstd, f, MB)).rejects.toThrow(/1099511627776 bytes, more than/);
    });

    it('reports corrupt zstd as CORRUPT_MESSAGE', async () => {
      const e = await rejection(decompress(Compression.Zstd, Buffer.from('definitely not zstd'), MB));
      expect(e.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
      const good = await zstdCompress(text(5000));
      const cut = await rejection(decompress(Compression.Zstd, good.subarray(0, good.length - 3), MB));
      expect(cut.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    });

    it('has no synchronous path', () => {
      expect(() => compressSync(Compression.Zstd, Buffer.from('x'))).toThrow(/use the async compress/);
    });
  });
});
