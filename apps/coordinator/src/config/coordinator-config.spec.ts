import { ConfigError } from '@tributary/common';
import { resolveCoordinatorConfig } from './coordinator-config';

describe('resolveCoordinatorConfig', () => {
  it('defaults to a 10 s lease and 2 s heartbeats, and scales heartbeats to short test leases', () => {
    expect(resolveCoordinatorConfig({ dataDir: 'd' })).toMatchObject({
      leaseMs: 10_000,
      heartbeatIntervalMs: 2000,
    });
    expect(resolveCoordinatorConfig({ dataDir: 'd', leaseMs: 1000 })).toMatchObject({
      heartbeatIntervalMs: 200,
    });
  });

  it('names every bad value', () => {
    let err: unknown;
    try {
      resolveCoordinatorConfig({ dataDir: '', leaseMs: 5, port: 70000 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      'dataDir is required: the directory for the metadata log',
      'port must be an integer between 0 and 65535, got 70000',
      'leaseMs must be an integer between 100 and 9007199254740991, got 5',
    ]);
    expect(() => resolveCoordinatorConfig({ dataDir: 'd', leaseMs: 1000, heartbeatIntervalMs: 600 })).toThrow(
      /at most half of leaseMs/,
    );
  });
});
