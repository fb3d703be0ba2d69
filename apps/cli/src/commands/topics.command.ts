import type { Command } from 'commander';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import {
  CliError,
  collect,
  parseIntOption,
  parseKeyValue,
  withClientOptions,
  type ClientOptions,
} from '../client/client-options';
import { createKafka } from '../client/kafka-client';
import { onExit, runCommand } from '../client/run-command';
import { formatTable, printJson } from '../client/table';

interface JsonOption extends ClientOptions {
  json?: boolean;
}
interface CreateOptions extends ClientOptions {
  partitions?: string;
  replicationFactor?: string;
  config: string[];
}

/** `tributary topics list|describe|create|delete`: topic administration through the Kafka admin API. */
export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('list, describe, create and delete topics');

  withClientOptions(topics.command('list').description('list topic names'))
    .option('--json', 'print a JSON array')
    .action((opts: JsonOption) => runCommand('topics list', opts, () => listTopics(opts)));

  withClientOptions(
    topics
      .command('describe')
      .argument('<topic>')
      .description('partitions, leaders, replicas, ISR, offsets and configs'),
  )
    .option('--json', 'print JSON')
    .action((topic: string, opts: JsonOption) =>
      runCommand(`topics describe ${topic}`, opts, () => describeTopic(topic, opts)),
    );

  withClientOptions(topics.command('create').argument('<topic>').description('create a topic'))
    .option('--partitions <n>', "number of partitions (default: the broker's num.partitions)")
    .option(
      '--replication-factor <n>',
      "replicas per partition (default: the broker's default.replication.factor)",
    )
    .option(
      '--config <key=value>',
      'topic setting by its Kafka name, e.g. cleanup.policy=compact; repeatable',
      collect,
      [],
    )
    .action((topic: string, opts: CreateOptions) =>
      runCommand(`topics create ${topic}`, opts, () => createTopic(topic, opts)),
    );

  withClientOptions(
    topics.command('delete').argument('<topic>').description('delete a topic and its data'),
  ).action((topic: string, opts: ClientOptions) =>
    runCommand(`topics delete ${topic}`, opts, () => deleteTopic(topic, opts)),
  );
}

async function connectAdmin(opts: ClientOptions): Promise<Admin> {
  const admin = createKafka(opts).admin();
  await admin.connect();
  onExit(() => admin.disconnect());
  return admin;
}

async function listTopics(opts: JsonOption): Promise<void> {
  const admin = await connectAdmin(opts);
  const names = (await admin.listTopics()).sort();
  if (opts.json) printJson(names);
  else if (names.length > 0) process.stdout.write(names.join('\n') + '\n');
}

async function requireTopic(admin: Admin, topic: string): Promise<void> {
  const names = await admin.listTopics();
  if (!names.includes(topic))
    throw new CliError(`topic "${topic}" does not exist; see \`tributary topics list\``);
}

/** DescribeConfigs config_source values (v1+); v0 only says default or not. */
const CONFIG_SOURCE: Record<number, string> = {
  1: 'topic',
  2: 'broker (dynamic)',
  3: 'broker default (dynamic)',
  4: 'broker',
  5: 'default',
  6: 'logger',
};

export interface TopicDescription {
  topic: string;
  partitions: {
    partition: number;
    leader: number;
    replicas: number[];
    isr: number[];
    earliest: number;
    latest: number;
  }[];
  configs: { name: string; value: string | null; source: string; readOnly: boolean }[];
}

async function describeTopic(topic: string, opts: JsonOption): Promise<void> {
  const admin = await connectAdmin(opts);
  await requireTopic(admin, topic);
  const [meta, offsets, configs] = await Promise.all([
    admin.fetchTopicMetadata({ topics: [topic] }),
    admin.fetchTopicOffsets(topic),
    admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      includeSynonyms: false,
    }),
  ]);
  const tm = meta.topics.find((t) => t.name === topic);
  if (!tm) throw new CliError(`the broker returned no metadata for topic "${topic}"`);
  const resource = configs.resources.find((r) => r.resourceName === topic);
  if (resource && resource.errorCode !== 0) {
    throw new CliError(
      `DescribeConfigs for "${topic}" failed with error code ${resource.errorCode}: ${resource.errorMessage ?? ''}`,
    );
  }
  const desc: TopicDescription = {
    topic,
    partitions: tm.partitions
      .map((p) => {
        const o = offsets.find((x) => x.partition === p.partitionId);
        return {
          partition: p.partitionId,
          leader: p.leader,
          replicas: p.replicas,
          isr: p.isr,
          earliest: Number(o?.low ?? -1),
          latest: Number(o?.high ?? -1),
        };
      })
      .sort((a, b) => a.partition - b.partition),
    configs: (resource?.configEntries ?? [])
      .map((c) => {
        const src = (c as { configSource?: number }).configSource;
        return {
          name: c.configName,
          value: c.isSensitive ? '(sensitive)' : c.configValue,
          source:
            src !== undefined && CONFIG_SOURCE[src] ? CONFIG_SOURCE[src]! : c.isDefault ? 'default' : 'topic',
          readOnly: c.readOnly,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
  if (opts.json) return printJson(desc);
  const rf = desc.partitions[0]?.replicas.length ?? 0;
  process.stdout.write(
    `Topic: ${topic}  partitions: ${desc.partitions.length}  replication factor: ${rf}\n\n`,
  );
  process.stdout.write(
    formatTable(
      ['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'EARLIEST', 'LATEST'],
      desc.partitions.map((p) => [
        p.partition,
        p.leader,
        p.replicas.join(',') || '-',
        p.isr.join(',') || '-',
        p.earliest,
        p.latest,
      ]),
    ),
  );
  process.stdout.write('\n');
  process.stdout.write(
    formatTable(
      ['CONFIG', 'VALUE', 'SOURCE'],
      desc.configs.map((c) => [c.name, c.value ?? '', c.source]),
    ),
  );
}

async function createTopic(topic: string, opts: CreateOptions): Promise<void> {
  const numPartitions = parseIntOption('--partitions', opts.partitions, { min: 1 }) ?? -1;
  const replicationFactor = parseIntOption('--replication-factor', opts.replicationFactor, { min: 1 }) ?? -1;
  const configEntries = opts.config.map((kv) => {
    const [name, value] = parseKeyValue('--config', kv);
    return { name, value };
  });
  const admin = await connectAdmin(opts);
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions, replicationFactor, configEntries }],
    waitForLeaders: true,
  });
  // kafkajs reports TOPIC_ALREADY_EXISTS as `false` rather than an error.
  if (!created)
    throw new CliError(`topic "${topic}" already exists; see \`tributary topics describe ${topic}\``);
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  const n = meta.topics[0]?.partitions.length ?? numPartitions;
  process.stdout.write(`created topic ${topic} with ${n} partition${n === 1 ? '' : 's'}\n`);
}

async function deleteTopic(topic: string, opts: ClientOptions): Promise<void> {
  const admin = await connectAdmin(opts);
  await requireTopic(admin, topic);
  await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
  process.stdout.write(`deleted topic ${topic}\n`);
}
