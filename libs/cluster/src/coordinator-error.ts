/**
 * Why the coordinator refused a request. Names (and numbers) are Kafka's, so a broker can answer its own
 * clients with the same error.
 */
export const COORDINATOR_ERRORS = {
  UNKNOWN_SERVER_ERROR: -1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  NOT_LEADER_OR_FOLLOWER: 6,
  INVALID_TOPIC_EXCEPTION: 17,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REQUEST: 42,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  STALE_BROKER_EPOCH: 77,
  INVALID_UPDATE_VERSION: 95,
  INELIGIBLE_REPLICA: 107,
  /** Raised by the client when the coordinator does not answer in time or cannot be reached. */
  REQUEST_TIMED_OUT: 7,
} as const;

export type CoordinatorErrorCode = keyof typeof COORDINATOR_ERRORS;

/** The wire form of a refusal. */
export interface CoordinatorErrorBody {
  code: CoordinatorErrorCode;
  kafkaCode: number;
  message: string;
}

export class CoordinatorError extends Error {
  readonly kafkaCode: number;

  constructor(
    readonly code: CoordinatorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CoordinatorError';
    this.kafkaCode = COORDINATOR_ERRORS[code];
  }

  toBody(): CoordinatorErrorBody {
    return { code: this.code, kafkaCode: this.kafkaCode, message: this.message };
  }

  static fromBody(body: CoordinatorErrorBody): CoordinatorError {
    const code = body.code in COORDINATOR_ERRORS ? body.code : 'UNKNOWN_SERVER_ERROR';
    return new CoordinatorError(code, body.message);
  }
}
