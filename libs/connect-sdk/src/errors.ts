/**
 * An error worth trying again (a timeout, a 429, a connection reset). The framework retries the operation with
 * backoff within the connector's `errors.retry.timeout`; any other error goes straight to the `errors` policy.
 */
export class RetriableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetriableError';
  }
}

/** The connector cannot run with its configuration or environment; the message says what to change. */
export class ConnectorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectorError';
  }
}
