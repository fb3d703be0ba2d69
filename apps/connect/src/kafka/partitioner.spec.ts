import { Partitioners } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { partitionForKey } from './partitioner';

describe('partitionForKey', () => {
  // kafkajs's DefaultPartitioner is Java-compatible murmur2; the worker's producer must agree with it (and so
  // with every Kafka client) or keyed records would move partitions when the client changes.
  const kafkajs = Partitioners.DefaultPartitioner();
  const meta = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      partitionId: i,
      partitionErrorCode: 0,
      leader: 0,
      replicas: [0],
      isr: [0],
    }));

  it.each([1, 3, 7, 12, 64])('matches kafkajs for %i partitions on random and text keys', (n) => {
    const keys: (string | Buffer)[] = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', '{"id":42}', 'ümlaut ☃ key'];
    for (let i = 0; i < 300; i++) keys.push(randomBytes(i % 37));
    for (let i = 0; i < 300; i++) keys.push(`{"id":${i * 7919},"tenant":"t${i % 13}"}`);
    for (const key of keys) {
      const expected = kafkajs({ topic: 't', partitionMetadata: meta(n), message: { key, value: null } });
      expect(partitionForKey(key, n)).toBe(expected);
    }
  });

  it('handles keys longer than its scratch buffer', () => {
    const key = 'x'.repeat(10_000) + '€';
    const expected = kafkajs({ topic: 't', partitionMetadata: meta(5), message: { key, value: null } });
    expect(partitionForKey(key, 5)).toBe(expected);
  });
});
