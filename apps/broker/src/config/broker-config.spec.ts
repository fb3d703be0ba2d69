import { ConfigError } from '@tributary/common';
import { resolveBrokerConfig } from './broker-config';

describe('resolveBrokerConfig', () => {
  it('fills defaults and lets later sources win', () => {
    const c = resolveBrokerConfig([
      { name: 'file', values: { 'num.partitions': 3, 'listener.port': 9000 } },
      { name: 'flags', values: { 'listener.port': '9100' } },
    ]);
    expect(c['num.partitions']).toBe(3);
    expect(c['listener.port']).toBe(9100);
    expect(c['auto.create.topics.enable']).toBe(true);
  });

  it('rejects unknown keys with a suggestion and wrong types with the key name', () => {
    let err: unknown;
    try {
      resolveBrokerConfig([{ name: 'b.yaml', values: { 'num.partition': 3, 'message.max.bytes': 'big' } }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('unknown setting "num.partition" (did you mean "num.partitions"?)');
    expect(msg).toContain('"message.max.bytes"');
  });
});
