/**
 * Lifecycle of whichever controller runs this broker's metadata: the single-node LocalController or the
 * cluster's CoordinatorController. BrokerService drives it around the listener.
 */
export interface BrokerController {
  /** The listener's real address, known once it is bound (port 0 picks a free one). */
  advertise(host: string, port: number): void;
  /** The listener is up: cluster mode registers with the coordinator and starts heartbeating. */
  start(): void;
  /** Shutting down: cluster mode asks to be fenced so leaderships move at once, then disconnects. */
  stop(): Promise<void>;
}

export const BROKER_CONTROLLER = Symbol('BROKER_CONTROLLER');
