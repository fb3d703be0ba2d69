import { groupKey, javaStringHash, offsetKey, parseKey, partitionForGroup } from './offsets-topic-records';

describe('__consumer_offsets records', () => {
  it('round-trips offset and group keys in Kafka layout', () => {
    const k = offsetKey('grüppe', 'topic', 7);
    expect(k.readInt16BE(0)).toBe(1);
    expect(parseKey(k)).toEqual({ kind: 'offset', group: 'grüppe', topic: 'topic', partition: 7 });
    expect(parseKey(groupKey('g'))).toEqual({ kind: 'group', group: 'g' });
    expect(groupKey('g').equals(Buffer.from([0, 2, 0, 1, 0x67]))).toBe(true);
  });

  it('places groups like Kafka: abs(Java String.hashCode) % partitions', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648);
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0);
    expect(partitionForGroup('hello', 50)).toBe(99162322 % 50);
    for (const g of ['a', 'my-group', 'ÿ€']) expect(partitionForGroup(g, 50)).toBeGreaterThanOrEqual(0);
  });
});
