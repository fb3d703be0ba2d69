/** DI tokens for values that are not classes. */
export const BROKER_CONFIG = Symbol('BROKER_CONFIG');
export const API_HANDLERS = Symbol('API_HANDLERS');
/** Cluster mode's ReplicaManager (a no-op stopper on a single node). */
export const REPLICATION = Symbol('REPLICATION');
