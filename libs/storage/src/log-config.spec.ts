import { DEFAULT_LOG_CONFIG, fromTopicConfigs } from './log-config';

describe('fromTopicConfigs', () => {
  it('maps Kafka topic config names onto LogConfig', () => {
    const config = fromTopicConfigs({
      'segment.bytes': '1048576',
      'segment.ms': '60000',
      'retention.ms': '-1',
      'retention.bytes': '5000000',
      'cleanup.policy': 'delete,compact',
      'index.interval.bytes': '1024',
      'delete.retention.ms': '100',
      'min.cleanable.dirty.ratio': '0.25',
    });
    expect(config).toEqual({
      ...DEFAULT_LOG_CONFIG,
      segmentBytes: 1048576,
      segmentMs: 60000,
      retentionMs: -1,
      retentionBytes: 5000000,
      cleanupPolicy: 'compact,delete',
      indexIntervalBytes: 1024,
      deleteRetentionMs: 100,
      minCleanableDirtyRatio: 0.25,
    });
    expect(fromTopicConfigs({})).toEqual(DEFAULT_LOG_CONFIG);
    expect(fromTopicConfigs({ 'cleanup.policy': 'compact' }).cleanupPolicy).toBe('compact');
  });

  it('names the key and the valid values on bad input', () => {
    expect(() => fromTopicConfigs({ 'retention.mss': '1' })).toThrow(
      /unknown topic config "retention.mss".*retention.ms/,
    );
    expect(() => fromTopicConfigs({ 'cleanup.policy': 'archive' })).toThrow(
      /cleanup.policy.*delete \| compact/,
    );
    expect(() => fromTopicConfigs({ 'segment.bytes': '12abc' })).toThrow(/segment.bytes.*integer from 14/);
    expect(() => fromTopicConfigs({ 'segment.bytes': '4294967296' })).toThrow(/segment.bytes/);
    expect(() => fromTopicConfigs({ 'retention.ms': '-2' })).toThrow(/retention.ms.*from -1/);
    expect(() => fromTopicConfigs({ 'min.cleanable.dirty.ratio': '1.5' })).toThrow(/from 0 to 1/);
  });
});
