import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { Compression, compress, decompress } from '@tributary/protocol';

/** A consumed batch may not inflate past this; a client-side guard against compression bombs. */
const MAX_INFLATED_BYTES = 256 * 1024 * 1024;

const codec = (c: Compression) => () => ({
  compress: (encoder: { buffer: Buffer }) => compress(c, encoder.buffer),
  decompress: (buffer: Buffer) => decompress(c, buffer, MAX_INFLATED_BYTES),
});

/**
 * kafkajs ships only gzip; the CLI and the connect worker plug in the broker's own snappy (xerial), lz4 (frame) and zstd codecs.
 * (The compat tests deliberately use an independent implementation in libs/testing instead.)
 */
export function registerKafkajsCodecs(): void {
  CompressionCodecs[CompressionTypes.Snappy] = codec(Compression.Snappy);
  CompressionCodecs[CompressionTypes.LZ4] = codec(Compression.Lz4);
  CompressionCodecs[CompressionTypes.ZSTD] = codec(Compression.Zstd);
}
