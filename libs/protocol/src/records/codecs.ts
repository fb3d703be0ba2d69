import { constants as bufferConstants } from 'node:buffer';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
import { compressFrame, compressFrameSync, decompressFrame, decompressFrameSync } from 'lz4-napi';
import { Compression } from './batch-header';
import { lz4DecompressFrameBounded, lz4FrameBound } from './lz4-frame';
import { RecordDecodeError, tooLarge } from './record-decode-error';
import {
  snappyCompressXerial,
  snappyCompressXerialSync,
  snappyDecompress,
  snappyDecompressSync,
} from './snappy-xerial';
import { zstdFrameBound } from './zstd-frame';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

function unknownCodec(codec: number): RecordDecodeError {
  return new RecordDecodeError(
    `compression codec ${codec} is not one of none(0), gzip(1), snappy(2), lz4(3), zstd(4)`,
  );
}

function corrupt(codec: string, e: unknown): RecordDecodeError {
  return new RecordDecodeError(`${codec} data is corrupt: ${e instanceof Error ? e.message : String(e)}`);
}

function checkResult(codec: string, out: Buffer, maxBytes: number): Buffer {
  if (out.length > maxBytes) throw tooLarge(codec, out.length, maxBytes);
  return out;
}

function gzipOptions(maxBytes: number): zlib.ZlibOptions {
  // zlib stops inflating at maxOutputLength, so a gzip bomb costs at most maxBytes (+1 to detect "over").
  return { maxOutputLength: Math.max(1, Math.min(maxBytes + 1, bufferConstants.MAX_LENGTH)) };
}

function gzipError(e: unknown, maxBytes: number): RecordDecodeError {
  if (e instanceof RangeError || (e as { code?: string } | null)?.code === 'ERR_BUFFER_TOO_LARGE') {
    return tooLarge('gzip', `more than ${maxBytes}`, maxBytes);
  }
  return corrupt('gzip', e);
}

/** Compresses the records section of a batch (everything after recordCount) as Kafka clients expect. */
export async function compress(codec: Compression, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      return gzip(data);
    case Compression.Snappy:
      return snappyCompressXerial(data);
    case Compression.Lz4:
      return compressFrame(data);
    case Compression.Zstd:
      return zstdCompress(data);
    default:
      throw unknownCodec(codec);
  }
}

/**
 * Decompresses a batch's records section, refusing to produce more than `maxBytes`. Declared sizes are checked
 * before any work; the result length is checked after. Throws RecordDecodeError (CORRUPT_MESSAGE for bad data,
 * INVALID_RECORD for over-limit).
 */
export async function decompress(codec: Compression, data: Buffer, maxBytes: number): Promise<Buffer> {
  switch (codec) {
    case Compression.None:
      return checkResult('uncompressed', data, maxBytes);
    case Compression.Gzip: {
      let out: Buffer;
      try {
        out = await gunzip(data, gzipOptions(maxBytes));
      } catch (e) {
        throw gzipError(e, maxBytes);
      }
      return checkResult('gzip', out, maxBytes);
    }
    case Compression.Snappy:
      return checkResult('snappy', await snappyDecompress(data, maxBytes), maxBytes);
    case Compression.Lz4: {
      // Within the bound the native decoder is safe; past it, decode in TS and stop exactly at the limit.
      if (lz4FrameBound(data, maxBytes) > maxBytes) return lz4DecompressFrameBounded(data, maxBytes);
      let out: Buffer;
      try {
        out = await decompressFrame(data);
      } catch (e) {
        throw corrupt('lz4', e);
      }
      return checkResult('lz4', out, maxBytes);
    }
    case Compression.Zstd: {
      zstdFrameBound(data, maxBytes);
      let out: Buffer;
      try {
        out = await zstdDecompress(data);
      } catch (e) {
        throw corrupt('zstd', e);
      }
      return checkResult('zstd', out, maxBytes);
    }
    default:
      throw unknownCodec(codec);
  }
}

/** Synchronous compress for none/gzip/snappy/lz4; the zstd binding is async only. */
export function compressSync(codec: Compression, data: Buffer): Buffer {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      return zlib.gzipSync(data);
    case Compression.Snappy:
      return snappyCompressXerialSync(data);
    case Compression.Lz4:
      return compressFrameSync(data);
    case Compression.Zstd:
      throw new Error('zstd has no synchronous codec here; use the async compress()');
    default:
      throw unknownCodec(codec);
  }
}

/** Synchronous, bounded decompress for none/gzip/snappy/lz4; the zstd binding is async only. */
export function decompressSync(codec: Compression, data: Buffer, maxBytes: number): Buffer {
  switch (codec) {
    case Compression.None:
      return checkResult('uncompressed', data, maxBytes);
    case Compression.Gzip: {
      let out: Buffer;
      try {
        out = zlib.gunzipSync(data, gzipOptions(maxBytes));
      } catch (e) {
        throw gzipError(e, maxBytes);
      }
      return checkResult('gzip', out, maxBytes);
    }
    case Compression.Snappy:
      return checkResult('snappy', snappyDecompressSync(data, maxBytes), maxBytes);
    case Compression.Lz4: {
      if (lz4FrameBound(data, maxBytes) > maxBytes) return lz4DecompressFrameBounded(data, maxBytes);
      let out: Buffer;
      try {
        out = decompressFrameSync(data);
      } catch (e) {
        throw corrupt('lz4', e);
      }
      return checkResult('lz4', out, maxBytes);
    }
    case Compression.Zstd:
      throw new Error('zstd has no synchronous codec here; use the async decompress()');
    default:
      throw unknownCodec(codec);
  }
}
