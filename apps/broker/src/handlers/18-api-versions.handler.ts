import { Injectable } from '@nestjs/common';
import { ApiKey, ApiVersionsRequest, ApiVersionsResponse, ErrorCode } from '@tributary/protocol';
import type { ApiHandler } from './api-handler';
import type { HandlerRegistry } from './handler-registry';

/**
 * ApiVersions v0-2. The table is computed from the handler registry, so it lists exactly what we decode.
 * v3+ (flexible) is answered by the connection with error 35 in the v0 layout (KIP-511), which makes
 * librdkafka retry with v0 and kafkajs step down from v2.
 */
@Injectable()
export class ApiVersionsHandler implements ApiHandler<typeof ApiVersionsRequest, typeof ApiVersionsResponse> {
  readonly apiKey = ApiKey.ApiVersions;
  readonly minVersion = 0;
  readonly maxVersion = 2;
  readonly request = ApiVersionsRequest;
  readonly response = ApiVersionsResponse;
  private registry: HandlerRegistry | null = null;

  attach(registry: HandlerRegistry): void {
    this.registry = registry;
  }

  handle(): ApiVersionsResponse {
    return { errorCode: ErrorCode.NONE, apiKeys: this.registry?.versions() ?? [], throttleTimeMs: 0 };
  }
}
