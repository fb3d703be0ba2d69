import { Kafka, logLevel, type Admin } from 'kafkajs';

export interface TopicSpec {
  replicationFactor?: number;
  configs?: Record<string, string>;
}

/**
 * One admin connection that creates a fresh one-partition topic per run (so every run writes to an empty log)
 * and deletes it afterwards (1M x 1 KiB is 1 GB of disk per run).
 */
export class BenchTopics {
  private constructor(private readonly admin: Admin) {}

  static async connect(bootstrap: string[]): Promise<BenchTopics> {
    const kafka = new Kafka({
      clientId: 'tributary-bench-admin',
      brokers: bootstrap,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    return new BenchTopics(admin);
  }

  async create(topic: string, spec: TopicSpec = {}): Promise<void> {
    const created = await this.admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor: spec.replicationFactor ?? 1,
          configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
      waitForLeaders: true,
    });
    if (!created) throw new Error(`topic ${topic} already exists: each bench run needs a fresh topic name`);
  }

  /** Records in partition 0: a produce run is checked against it, so a lost write cannot pass as speed. */
  async count(topic: string): Promise<number> {
    const [p] = await this.admin.fetchTopicOffsets(topic);
    return p ? Number(p.high) - Number(p.low) : 0;
  }

  /** Best effort: a topic left behind only costs disk in the scratch directory. */
  async remove(topic: string, log: (line: string) => void): Promise<void> {
    await this.admin.deleteTopics({ topics: [topic] }).catch((e: unknown) => {
      log(`could not delete topic ${topic} (${e instanceof Error ? e.message : String(e)}); continuing`);
    });
  }

  async close(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
  }
}
