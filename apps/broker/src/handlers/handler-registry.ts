import type { ApiHandler } from './api-handler';

/** All handlers by API key; a duplicate key or a table narrower than the advertised range fails at boot. */
export class HandlerRegistry {
  private readonly byKey = new Map<number, ApiHandler>();

  constructor(handlers: readonly ApiHandler[]) {
    for (const h of handlers) {
      if (this.byKey.has(h.apiKey)) throw new Error(`two handlers registered for API key ${h.apiKey}`);
      for (const def of [h.request, h.response]) {
        if (def.versions.min > h.minVersion || def.versions.max < h.maxVersion) {
          throw new Error(
            `${def.name} covers versions ${def.versions.min}-${def.versions.max} but its handler advertises ${h.minVersion}-${h.maxVersion}`,
          );
        }
      }
      this.byKey.set(h.apiKey, h);
    }
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.byKey.get(apiKey);
  }

  /** The ApiVersions table, derived from what is registered: never advertise what we cannot decode. */
  versions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.byKey.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}
