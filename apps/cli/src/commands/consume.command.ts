import type { Command } from 'commander';
import type { Admin, Kafka } from 'kafkajs';
import {
  CliError,
  UsageError,
  parseIntOption,
  withClientOptions,
  type ClientOptions,
} from '../client/client-options';
import { createKafka } from '../client/kafka-client';
import { compileFormat, fromKafkajs, jsonLine, type ConsumedMessage } from '../client/message-format';
import { PartitionFetcher } from '@tributary/common';
import { onExit, runCommand } from '../client/run-command';

interface ConsumeOptions extends ClientOptions {
  fromBeginning?: boolean;
  group?: string;
  partition?: string;
  offset?: string;
  maxMessages?: string;
  timeoutMs?: string;
  exitAtEnd?: boolean;
  format: string;
  json?: boolean;
}

/** When the consume loop stops: after N messages, after an idle period, at the end offsets seen at start. */
interface StopRules {
  maxMessages: number | undefined;
  timeoutMs: number | undefined;
  exitAtEnd: boolean;
}

export function registerConsume(program: Command): void {
  withClientOptions(
    program
      .command('consume')
      .argument('<topic>')
      .description(
        'print messages: assigned partitions (like kcat -C), or as a consumer group member with --group (like kcat -G)',
      ),
  )
    .option(
      '--from-beginning',
      'start at the earliest offset (group mode: when the group has no committed offset)',
    )
    .option('-g, --group <group>', 'consume as a member of this group and commit offsets')
    .option('-p, --partition <n>', 'only this partition (not with --group)')
    .option(
      '-o, --offset <offset>',
      'start offset: a number, -N (N before the end), beginning or end (default end; not with --group)',
    )
    .option('-c, --max-messages <n>', 'exit after printing this many messages')
    .option('--timeout-ms <ms>', 'exit after this long without a new message')
    .option(
      '-e, --exit-at-end',
      'exit once every partition reached the end offset it had when consuming started',
    )
    .option('-f, --format <fmt>', 'kcat-style output: %t %p %o %k %v %h %T %K %S, \\n \\t', '%v')
    .option('--json', 'print one JSON object per message')
    .action((topic: string, opts: ConsumeOptions) =>
      runCommand(`consume from ${topic}`, opts, () => consume(topic, opts)),
    );
}

async function consume(topic: string, opts: ConsumeOptions): Promise<void> {
  const rules: StopRules = {
    maxMessages: parseIntOption('--max-messages', opts.maxMessages, { min: 1 }),
    timeoutMs: parseIntOption('--timeout-ms', opts.timeoutMs, { min: 1 }),
    exitAtEnd: opts.exitAtEnd === true,
  };
  const render = opts.json ? jsonLine : compileFormat(opts.format);
  if (opts.json && opts.format !== '%v') throw new UsageError('use either --format or --json, not both');
  if (opts.group !== undefined && (opts.partition !== undefined || opts.offset !== undefined)) {
    throw new UsageError(
      '--partition and --offset choose partitions by hand; a --group member gets them assigned (use --from-beginning)',
    );
  }
  if (opts.fromBeginning && opts.offset !== undefined)
    throw new UsageError('use either --from-beginning or --offset, not both');

  const kafka = createKafka(opts);
  const admin = kafka.admin();
  await admin.connect();
  onExit(() => admin.disconnect());
  if (!(await admin.listTopics()).includes(topic))
    throw new CliError(`topic "${topic}" does not exist; see \`tributary topics list\``);
  const ends = new Map(
    (await admin.fetchTopicOffsets(topic)).map((o) => [
      o.partition,
      { low: Number(o.low), high: Number(o.high) },
    ]),
  );

  const out = new Output(render, rules);
  const stopSignal = (): void => out.finish();
  process.once('SIGINT', stopSignal);
  process.once('SIGTERM', stopSignal);
  if (opts.group !== undefined)
    await consumeGroup(kafka, admin, topic, opts.group, opts.fromBeginning === true, ends, out);
  else await consumeAssigned(kafka, topic, opts, ends, out);
}

/** Prints messages and decides when to stop; shared by both modes. */
class Output {
  count = 0;
  lastActivity = Date.now();
  /** The idle clock does not run while a group member waits for its first assignment. */
  idlePaused = false;
  private done = false;
  private readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private readonly idleTimer: NodeJS.Timeout | null;

  constructor(
    private readonly render: (m: ConsumedMessage) => string,
    readonly rules: StopRules,
  ) {
    this.finished = new Promise((r) => (this.resolveFinished = r));
    const timeout = rules.timeoutMs;
    this.idleTimer =
      timeout === undefined
        ? null
        : setInterval(
            () => {
              if (!this.idlePaused && Date.now() - this.lastActivity >= timeout) this.finish();
            },
            Math.min(100, timeout),
          );
  }

  get isDone(): boolean {
    return this.done;
  }

  /** Prints one message unless the limit was reached; returns false once no more should be printed. */
  print(m: ConsumedMessage): boolean {
    if (this.done) return false;
    process.stdout.write(this.render(m));
    this.count++;
    this.lastActivity = Date.now();
    if (this.rules.maxMessages !== undefined && this.count >= this.rules.maxMessages) this.finish();
    return true;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.resolveFinished();
  }

  wait(): Promise<void> {
    return this.finished;
  }
}

function startOffset(
  opts: ConsumeOptions,
  range: { low: number; high: number },
  partition: number,
  topic: string,
): number {
  if (opts.fromBeginning) return range.low;
  const raw = (opts.offset ?? 'end').trim();
  if (raw === 'beginning') return range.low;
  if (raw === 'end') return range.high;
  const n = parseIntOption('--offset', raw)!;
  if (n < 0) return Math.max(range.low, range.high + n);
  if (n < range.low || n > range.high) {
    throw new CliError(
      `offset ${n} is outside ${topic}/${partition}, which holds offsets ${range.low}..${range.high - 1} (next ${range.high})`,
    );
  }
  return n;
}

/** kcat -C: plain fetches from chosen partitions, no group, nothing committed. */
async function consumeAssigned(
  kafka: Kafka,
  topic: string,
  opts: ConsumeOptions,
  ends: Map<number, { low: number; high: number }>,
  out: Output,
): Promise<void> {
  const fetcher = new PartitionFetcher(kafka, topic);
  onExit(() => fetcher.close());
  const all = await fetcher.open();
  const wanted = parseIntOption('--partition', opts.partition, { min: 0 });
  if (wanted !== undefined && !all.includes(wanted)) {
    throw new CliError(
      `topic "${topic}" has no partition ${wanted} (it has ${all.length}: 0..${all.length - 1})`,
    );
  }
  const partitions = wanted === undefined ? all : [wanted];
  let positions = new Map<number, number>();
  for (const p of partitions)
    positions.set(p, startOffset(opts, ends.get(p) ?? { low: 0, high: 0 }, p, topic));
  // With --exit-at-end a partition leaves the fetch set once it reaches the end offset seen at start.
  const atEnd = (p: number): boolean => out.rules.exitAtEnd && positions.get(p)! >= (ends.get(p)?.high ?? 0);
  for (const p of partitions) if (atEnd(p)) positions.delete(p);

  while (!out.isDone && positions.size > 0) {
    const round = await fetcher.fetch(positions, 500);
    for (const m of round.messages) if (!out.print(fromKafkajs(topic, m.partition, m))) break;
    positions = round.positions;
    for (const p of [...positions.keys()]) if (atEnd(p)) positions.delete(p);
  }
  out.finish();
}

/** kcat -G: a consumer group member; offsets of printed messages are committed before leaving. */
async function consumeGroup(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  groupId: string,
  fromBeginning: boolean,
  ends: Map<number, { low: number; high: number }>,
  out: Output,
): Promise<void> {
  out.idlePaused = true;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  onExit(() => consumer.disconnect());

  // Next offset per assigned partition, for --exit-at-end; unknown until the group assigns and offsets resolve.
  const positions = new Map<number, number>();
  let assigned: number[] | null = null;
  const checkEnd = (): void => {
    if (!out.rules.exitAtEnd || assigned === null) return;
    if (assigned.every((p) => positions.has(p) && positions.get(p)! >= (ends.get(p)?.high ?? 0)))
      out.finish();
  };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    out.idlePaused = false;
    out.touch();
    const mine = e.payload.memberAssignment[topic] ?? [];
    assigned = mine;
    if (!out.rules.exitAtEnd) return;
    // Where each partition starts: the committed offset, else the reset policy.
    void admin
      .fetchOffsets({ groupId, topics: [topic] })
      .then((res) => {
        for (const p of mine) {
          const committed = Number(res[0]?.partitions.find((x) => x.partition === p)?.offset ?? -1);
          const range = ends.get(p) ?? { low: 0, high: 0 };
          const start = committed >= 0 ? committed : fromBeginning ? range.low : range.high;
          positions.set(p, Math.max(positions.get(p) ?? 0, start));
        }
        checkEnd();
      })
      .catch(() => undefined);
  });
  const crashed = new Promise<never>((_, reject) => {
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) reject(e.payload.error);
    });
  });

  await consumer.subscribe({ topic, fromBeginning });
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, isRunning, isStale }) => {
      for (const m of batch.messages) {
        if (out.isDone || !isRunning() || isStale()) break;
        out.print(fromKafkajs(topic, batch.partition, m));
        // Only printed messages are resolved, so the commit after this batch covers exactly what was shown.
        resolveOffset(m.offset);
        positions.set(batch.partition, Number(m.offset) + 1);
      }
      checkEnd();
    },
  });
  checkEnd();
  await Promise.race([out.wait(), crashed]);
  // disconnect waits for the running batch, commits the resolved offsets and leaves the group.
  await consumer.disconnect();
}
