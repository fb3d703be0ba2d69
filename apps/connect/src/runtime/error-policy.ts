import type { Producer } from 'kafkajs';
import { RetriableError, sleep } from '@tributary/connect-sdk';
import type { Logger } from '@tributary/common';
import type { ErrorPolicy } from '../pipeline/connector-spec';
import type { ConnectMetrics } from './metrics';

export type FailureStage = 'source' | 'converter' | 'transform' | 'put' | 'produce';

/** A record that failed at some stage, with the bytes it had there (for the DLQ). */
export interface FailedRecord {
  stage: FailureStage;
  error: Error;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string | Buffer>;
  /** Sinks: where the record was read from. */
  topic?: string;
  partition?: number;
  offset?: number;
  /** Sources: the source position of the record. */
  sourcePartition?: unknown;
  sourceOffset?: unknown;
}

/**
 * A failed task's `trace` (Kafka Connect's status field): the stack, which V8 already heads with
 * `Name: message` (prefixing that again showed every message twice), then each `cause` as "Caused by:", so a
 * TaskFailure's trace also shows where in the plugin or transform the record failed.
 */
export function traceOf(err: Error): string {
  const head = `${err.name}: ${err.message}`;
  let trace = err.stack?.startsWith(head) ? err.stack : `${head}${err.stack ? `\n${err.stack}` : ''}`;
  let cause: unknown = err.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    trace += `\nCaused by: ${cause.stack ?? `${cause.name}: ${cause.message}`}`;
    cause = cause.cause;
  }
  return trace;
}

/** With `tolerance: none`, the first failed record fails the task with this error. */
export class TaskFailure extends Error {
  override readonly name = 'TaskFailure';
}

/**
 * Runs an operation, retrying RetriableErrors with exponential backoff (100 ms doubling, capped at
 * retry.delay.max) until retry.timeout has passed; other errors are thrown at once.
 */
export async function withRetries<T>(
  policy: ErrorPolicy,
  signal: AbortSignal,
  op: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + policy.retryTimeoutMs;
  let delay = 100;
  for (;;) {
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof RetriableError) || Date.now() + delay > deadline || signal.aborted) throw e;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, policy.retryDelayMaxMs);
    }
  }
}

/**
 * Applies a connector's `errors` policy to failed records (Kafka Connect's errors.* semantics, on both source
 * and sink side): `none` fails the task; `all` writes the record to the DLQ (acks=all, awaited, so its position
 * is only committed once the DLQ holds it) with `__connect.errors.*` headers, logs it and counts it.
 */
export class ErrorReporter {
  constructor(
    private readonly connector: string,
    private readonly taskId: number,
    private readonly policy: ErrorPolicy,
    private readonly producer: Producer,
    private readonly metrics: ConnectMetrics,
    private readonly log: Logger,
  ) {}

  /** The reporter for one task, with its connector's policy and the worker's producer. */
  static forTask(d: {
    spec: { name: string; errors: ErrorPolicy };
    taskId: number;
    kafka: { producer: Producer };
    metrics: ConnectMetrics;
    log: Logger;
  }): ErrorReporter {
    return new ErrorReporter(d.spec.name, d.taskId, d.spec.errors, d.kafka.producer, d.metrics, d.log);
  }

  async report(f: FailedRecord): Promise<void> {
    const labels = { connector: this.connector, task: String(this.taskId) };
    this.metrics.errors.inc({ ...labels, stage: f.stage });
    const where =
      f.topic !== undefined
        ? `${f.topic}/${f.partition ?? '?'}@${f.offset ?? '?'}`
        : `source position ${JSON.stringify(f.sourcePartition)} ${JSON.stringify(f.sourceOffset)}`;
    if (this.policy.tolerance === 'none') {
      throw new TaskFailure(
        `${f.stage} failed for the record at ${where}: ${f.error.message}. ` +
          'Fix the cause, or set errors.tolerance: all (with errors.dlq.topic) to route failing records to a dead letter queue; then restart the connector',
        { cause: f.error },
      );
    }
    if (this.policy.log)
      this.log.warn({ stage: f.stage, where, err: f.error.message }, 'record failed; tolerated');
    if (!this.policy.dlqTopic) return;
    await this.producer.send({
      topic: this.policy.dlqTopic,
      acks: -1,
      messages: [
        { key: f.key, value: f.value, headers: { ...(f.headers ?? {}), ...this.contextHeaders(f) } },
      ],
    });
    this.metrics.dlq.inc(labels);
  }

  private contextHeaders(f: FailedRecord): Record<string, string> {
    if (!this.policy.dlqContextHeaders) return {};
    const h: Record<string, string> = {
      '__connect.errors.connector.name': this.connector,
      '__connect.errors.task.id': String(this.taskId),
      '__connect.errors.stage': f.stage,
      '__connect.errors.exception.class.name': f.error.name,
      '__connect.errors.exception.message': f.error.message,
      '__connect.errors.exception.stacktrace': (f.error.stack ?? '').slice(0, 4000),
    };
    if (f.topic !== undefined) h['__connect.errors.topic'] = f.topic;
    if (f.partition !== undefined) h['__connect.errors.partition'] = String(f.partition);
    if (f.offset !== undefined) h['__connect.errors.offset'] = String(f.offset);
    if (f.sourcePartition !== undefined)
      h['__connect.errors.source.partition'] = JSON.stringify(f.sourcePartition);
    if (f.sourceOffset !== undefined) h['__connect.errors.source.offset'] = JSON.stringify(f.sourceOffset);
    return h;
  }
}
