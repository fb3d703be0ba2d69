/** An `error` object in Elasticsearch's shape: what bulk items and failed requests carry. */
export interface EsErrorCause {
  type: string;
  reason: string;
  [extra: string]: unknown;
}

/** A whole request failed; the server answers `{ error, status }` with this status. */
export class EsRequestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    reason: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(reason);
  }

  body(): { error: EsErrorCause & { root_cause: EsErrorCause[] }; status: number } {
    const cause: EsErrorCause = { type: this.type, reason: this.message, ...this.extra };
    return { error: { root_cause: [cause], ...cause }, status: this.status };
  }
}

/** The error type ES reports for an injected status, so clients see what a real cluster would send. */
export function errorTypeFor(status: number): string {
  if (status === 429) return 'es_rejected_execution_exception';
  if (status === 409) return 'version_conflict_engine_exception';
  if (status === 400) return 'mapper_parsing_exception';
  if (status === 404) return 'index_not_found_exception';
  if (status === 503) return 'unavailable_shards_exception';
  if (status >= 500) return 'illegal_state_exception';
  return 'exception';
}

export function reasonFor(status: number, what: string): string {
  if (status === 429)
    return `rejected execution of coordinating operation [${what}]: write thread pool queue is full (injected)`;
  if (status === 400) return `failed to parse field of [${what}] (injected)`;
  if (status === 503) return `[${what}] primary shard is not active (injected)`;
  return `injected failure with status ${status} for [${what}]`;
}
