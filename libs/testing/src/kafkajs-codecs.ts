import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
import { compressFrame as lz4CompressFrame, decompressFrame as lz4DecompressFrame } from 'lz4-napi';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';

/**
 * kafkajs ships only gzip; these small codecs plug snappy, lz4 and zstd into its CompressionCodecs registry so
 * the compat tests can produce and fetch every codec through the real kafkajs encoder/decoder. Written
 * independently of libs/protocol/src/records on purpose: the broker's codecs are checked against another one.
 */
interface KafkajsEncoder {
  buffer: Buffer;
}
interface KafkajsCodec {
  compress(encoder: KafkajsEncoder): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

// Java clients frame snappy data the xerial way: magic, version, compat, then length-prefixed raw snappy blocks.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

async function snappyDecode(buf: Buffer): Promise<Buffer> {
  if (buf.length >= 16 && buf.subarray(0, 8).equals(XERIAL_MAGIC)) {
    const parts: Buffer[] = [];
    let at = 16;
    while (at + 4 <= buf.length) {
      const len = buf.readInt32BE(at);
      at += 4;
      parts.push((await snappyUncompress(buf.subarray(at, at + len))) as Buffer);
      at += len;
    }
    return Buffer.concat(parts);
  }
  return (await snappyUncompress(buf)) as Buffer;
}

export const snappyCodec: KafkajsCodec = {
  compress: (e) => snappyCompress(e.buffer),
  decompress: snappyDecode,
};

// Kafka's lz4 codec is the LZ4 frame format.
export const lz4Codec: KafkajsCodec = {
  compress: (e) => lz4CompressFrame(e.buffer),
  decompress: (b) => lz4DecompressFrame(b),
};

export const zstdCodec: KafkajsCodec = {
  compress: (e) => zstdCompress(e.buffer, 3),
  decompress: (b) => zstdDecompress(b),
};

/** Registers snappy, lz4 and zstd with kafkajs (idempotent; the registry is process-wide). */
export function registerKafkajsCodecs(): void {
  CompressionCodecs[CompressionTypes.Snappy] = () => snappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstdCodec;
}
