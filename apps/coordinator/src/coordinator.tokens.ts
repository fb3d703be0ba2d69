export const COORDINATOR_CONFIG = Symbol('COORDINATOR_CONFIG');
/** Milliseconds now; replaced in tests to drive lease expiry without waiting. */
export const COORDINATOR_CLOCK = Symbol('COORDINATOR_CLOCK');
export type Clock = () => number;
