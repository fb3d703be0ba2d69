import { ApiKey, ApiVersionsRequest, ApiVersionsResponse } from '@tributary/protocol';
import type { ApiHandler } from './api-handler';
import { HandlerRegistry } from './handler-registry';

const stub = (apiKey: ApiKey, minVersion: number, maxVersion: number): ApiHandler =>
  ({
    apiKey,
    minVersion,
    maxVersion,
    request: ApiVersionsRequest,
    response: ApiVersionsResponse,
    handle: () => ({}),
  }) as unknown as ApiHandler;

describe('HandlerRegistry', () => {
  it('derives the ApiVersions table from the registered handlers, sorted by key', () => {
    const r = new HandlerRegistry([stub(ApiKey.ApiVersions, 0, 2), stub(ApiKey.Produce, 0, 1)]);
    expect(r.versions()).toEqual([
      { apiKey: 0, minVersion: 0, maxVersion: 1 },
      { apiKey: 18, minVersion: 0, maxVersion: 2 },
    ]);
    expect(r.get(ApiKey.Fetch)).toBeUndefined();
  });

  it('refuses two handlers for one key', () => {
    expect(() => new HandlerRegistry([stub(ApiKey.Produce, 0, 1), stub(ApiKey.Produce, 0, 1)])).toThrow(
      'two handlers registered for API key 0',
    );
  });

  it('refuses to advertise versions its message table cannot decode', () => {
    expect(() => new HandlerRegistry([stub(ApiKey.ApiVersions, 0, 3)])).toThrow(
      'covers versions 0-2 but its handler advertises 0-3',
    );
  });
});
