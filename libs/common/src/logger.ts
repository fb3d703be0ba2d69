import pino, { type Logger } from 'pino';

export type { Logger };

/** One process-wide structured logger; components take children named after themselves. */
let root: Logger | null = null;

export function rootLogger(): Logger {
  if (!root) {
    root = pino({
      level: process.env.TRIBUTARY_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    });
  }
  return root;
}

export function logger(component: string): Logger {
  return rootLogger().child({ component });
}
