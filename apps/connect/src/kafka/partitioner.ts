/** Scratch space for string keys: hashing a key must not allocate a Buffer per record. */
let scratch = Buffer.allocUnsafe(4096);

/** Kafka's murmur2 (Java client `Utils.murmur2`), so keys land where every Kafka client puts them. */
export function murmur2(data: Uint8Array, length = data.length): number {
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const end4 = length & ~3;
  for (let i = 0; i < end4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[end4 + 2]! << 16;
  if (tail >= 2) h ^= data[end4 + 1]! << 8;
  if (tail >= 1) h = Math.imul(h ^ data[end4]!, m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of a keyed record: toPositive(murmur2(key bytes)) % partitions, as the Java client does. */
export function partitionForKey(key: string | Buffer, partitions: number): number {
  if (typeof key !== 'string') return (murmur2(key) & 0x7fffffff) % partitions;
  const max = key.length * 3;
  if (max > scratch.length) scratch = Buffer.allocUnsafe(Math.max(max, scratch.length * 2));
  const n = scratch.write(key, 0, 'utf8');
  return (murmur2(scratch, n) & 0x7fffffff) % partitions;
}
