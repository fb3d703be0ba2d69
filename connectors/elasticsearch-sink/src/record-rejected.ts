/**
 * A record the sink can never write as it is (no key, a value that is not a JSON object, a bad LSN header,
 * or a document Elasticsearch refused with a 4xx). It goes to the connector's `errors` policy, never skipped.
 */
export class RecordRejected extends Error {
  override readonly name: string = 'RecordRejected';
}

/** Elasticsearch refused one bulk item for good; the message carries ES's error type and reason. */
export class ElasticsearchItemError extends RecordRejected {
  override readonly name: string = 'ElasticsearchItemError';

  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string,
    where: string,
  ) {
    super(`Elasticsearch rejected ${where} with ${status} ${type}: ${reason}`);
  }
}
