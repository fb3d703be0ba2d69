import { Kafka, Partitioners, logLevel, type Admin, type Producer, type logCreator } from 'kafkajs';
import { logger, registerKafkajsCodecs, type Logger } from '@tributary/common';
import { IdempotentProducer } from './idempotent-producer';

/** kafkajs log entries go to the worker's pino logger (warnings and errors only; kafkajs is chatty). */
const pinoLogCreator =
  (log: Logger): logCreator =>
  () =>
  ({ level, log: entry }) => {
    const { message, ...rest } = entry;
    if (level === logLevel.ERROR) log.error(rest, message);
    else if (level === logLevel.WARN) log.warn(rest, message);
  };

/**
 * The worker's connection to the brokers, through a maintained Kafka client (kafkajs, see ADR 0004) so the
 * worker runs against Apache Kafka as well: one idempotent acks=all kafkajs producer for the offset store, the
 * status store and the DLQs, consumers for sinks, an admin client. Source records, the hot path, go through
 * `records`, the worker's own idempotent producer (ADR 0005), shared by every source task.
 */
export class WorkerKafka {
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly admin: Admin;
  /** Source records: encoded straight into record batches (ADR 0005). */
  readonly records: IdempotentProducer;
  private readonly log = logger('connect.kafka');

  constructor(
    readonly bootstrap: string[],
    /** 0 = derived on connect: min(3, brokers in the cluster). */
    private replicationFactor: number,
    clientId = 'tributary-connect',
  ) {
    registerKafkajsCodecs();
    this.kafka = new Kafka({
      clientId,
      brokers: bootstrap,
      logLevel: logLevel.WARN,
      logCreator: pinoLogCreator(this.log),
      connectionTimeout: 5000,
      requestTimeout: 30_000,
      // The worker outlives broker restarts: retry for a long time rather than failing tasks.
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      // Java-compatible murmur2, so keys land where other clients put them.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Unbounded retries (kafkajs warns that a limit voids the idempotent guarantees); a send stuck on a broker
      // outage shows as a STALLED task instead of failing it.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.admin = this.kafka.admin();
    this.records = new IdempotentProducer(bootstrap, {
      clientId: `${clientId}-records`,
      log: this.log,
      requestTimeoutMs: 30_000,
    });
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
    if (this.replicationFactor === 0) {
      const { brokers } = await this.admin.describeCluster();
      this.replicationFactor = Math.max(1, Math.min(3, brokers.length));
    }
  }

  async close(): Promise<void> {
    this.records.close();
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  /** Creates the topic if it does not exist (internal topics are compacted). */
  async ensureTopic(topic: string, opts: { partitions: number; compacted: boolean }): Promise<void> {
    const existing = await this.admin.listTopics();
    if (existing.includes(topic)) return;
    try {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: opts.partitions,
            replicationFactor: this.replicationFactor,
            configEntries: opts.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
          },
        ],
      });
    } catch (e) {
      // Another worker (or an auto-create) won the race: fine.
      if ((e as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') {
        throw new Error(
          `cannot create topic "${topic}" (replication factor ${this.replicationFactor}): ${(e as Error).message}; ` +
            'create it yourself or lower worker.replication.factor',
          { cause: e },
        );
      }
    }
  }
}
