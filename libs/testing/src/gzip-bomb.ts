import { createGzip } from 'node:zlib';

/**
 * A single gzip stream that inflates to `inflatedBytes` zero bytes (~1000:1), built by streaming so the test never
 * holds the inflated data itself. 512 MiB inflated is about 0.5 MB compressed, under the default message.max.bytes.
 */
export async function gzipBomb(inflatedBytes = 512 * 1024 * 1024): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (d: Buffer) => out.push(d));
  const done = new Promise<void>((resolve, reject) => {
    gz.once('end', resolve);
    gz.once('error', reject);
  });
  const chunk = Buffer.alloc(1024 * 1024);
  for (let left = inflatedBytes; left > 0; left -= chunk.length) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (!gz.write(piece)) await new Promise<void>((r) => gz.once('drain', () => r()));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}
