import { Kafka, logLevel } from 'kafkajs';
import type { ChaosCluster } from './cluster';
import type { HistoryRecorder } from './history-recorder';

/** What every workload task gets: where to connect, where to record, and when to stop. */
export interface WorkloadContext {
  cluster: ChaosCluster;
  history: HistoryRecorder;
  topic: string;
  partitions: number;
  /** True once the task should finish its current op and return. */
  stopped: () => boolean;
}

/** Client timeouts of every chaos client: short, so a dead or stopped broker turns into `info` ops quickly. */
export const CLIENT_REQUEST_TIMEOUT_MS = 2000;

export function chaosKafka(cluster: ChaosCluster, clientId: string, retries = 3): Kafka {
  return new Kafka({
    clientId,
    brokers: cluster.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: CLIENT_REQUEST_TIMEOUT_MS,
    retry: { retries, initialRetryTime: 100, maxRetryTime: 500 },
  });
}

/** Runs `fn`, but gives up after `ms` (the op is then `info`: it may still complete in the background). */
export function withTimeout<T>(what: string, ms: number, fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    fn().then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
