/**
 * Where InitProducerId gets producer ids: ids unique for the life of the cluster (or of a single node), so
 * idempotence state rebuilt from the logs never mistakes a new producer for an old one. Single node: the
 * file-backed ProducerIdManager; cluster: blocks from the coordinator (CoordinatorProducerIdAllocator).
 * An abstract class so it can be the DI token.
 */
export abstract class ProducerIdAllocator {
  /**
   * A fresh producer id (epoch 0 is the caller's). Synchronous when an id is at hand; throws or rejects with
   * ProducerIdsUnavailableError when none can be had right now (the client should retry).
   */
  abstract allocate(): number | Promise<number>;
}

/** No producer id can be handed out now (e.g. the coordinator is unreachable); answer a retriable error. */
export class ProducerIdsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProducerIdsUnavailableError';
  }
}
