/** Cancels a scheduled callback; calling it after the callback ran does nothing. */
export type Cancel = () => void;

/**
 * Time as the group coordinator sees it: wall-clock reads and one-shot timers. Injected so the state machine
 * can be driven deterministically in unit tests.
 */
export interface Clock {
  now(): number;
  schedule(delayMs: number, fn: () => void): Cancel;
}

/** Real time. Timers are unref'd so a pending session timeout never keeps the process alive at shutdown. */
export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return () => clearTimeout(t);
  },
};
