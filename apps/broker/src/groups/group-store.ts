import type { StoreRecord } from './offsets-topic-records';

/** Where group records go: `__consumer_offsets` in the broker, memory in unit tests. */
export interface GroupStore {
  /** Appends the group's records; resolves once they are durable (replicated to the ISR in a cluster). */
  write(groupId: string, records: StoreRecord[]): Promise<void>;
  /** The `__consumer_offsets` partition holding the group's records; its leader coordinates the group. */
  partitionFor(groupId: string): number;
}

/**
 * A write refused (or cut short) because this broker does not lead the group's partition any more: the client
 * gets NOT_COORDINATOR and asks FindCoordinator again.
 */
export class NotCoordinatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotCoordinatorError';
  }
}
