/**
 * Plays the example migration's two order services against a broker: the old one writes topic ORDER, the new
 * one (with its deliberate bugs) ORDERNEW, then prints what `tributary reconcile status orders-recon` should
 * show once the reconciler has read everything. See examples/migration-reconcile.yaml.
 *   npm run example:orders -- --orders 5000            (as fast as possible, event times laid out up to now)
 *   npm run example:orders -- --orders 5000 --rate 50  (real time: each event sent when its time comes)
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { Kafka, Partitioners, logLevel, type Message, type TopicMessages } from 'kafkajs';
import { cleanTailMs, orderScenario, type OrderScenario, type ScenarioEvent } from './order-scenario';

export interface PlayOptions {
  /** Old service's topic; default ORDER. */
  leftTopic?: string;
  /** New service's topic; default ORDERNEW. */
  rightTopic?: string;
  /** Partitions of a topic this creates (existing topics are used as they are); default 3. */
  partitions?: number;
  /** Send each event when its timestamp comes (timestamps must then be near now); default false. */
  realTime?: boolean;
  /** Events per produce request; default 500. */
  batchSize?: number;
  onProgress?: (sent: number, total: number) => void;
}

interface Tagged {
  topic: string;
  event: ScenarioEvent;
}

/** Both sides in one event-time order; each side stays in its own order (a stable merge). */
function interleave(
  s: Pick<OrderScenario, 'left' | 'right'>,
  leftTopic: string,
  rightTopic: string,
): Tagged[] {
  const out: Tagged[] = [];
  let [l, r] = [0, 0];
  while (l < s.left.length || r < s.right.length) {
    const takeLeft =
      r >= s.right.length || (l < s.left.length && s.left[l]!.timestamp <= s.right[r]!.timestamp);
    out.push(
      takeLeft ? { topic: leftTopic, event: s.left[l++]! } : { topic: rightTopic, event: s.right[r++]! },
    );
  }
  return out;
}

const toMessage = (e: ScenarioEvent): Message => ({
  key: e.key,
  value: JSON.stringify(e.value),
  timestamp: String(e.timestamp),
});

/** One request per batch, the topics grouped but each topic's events kept in order. */
function topicMessages(batch: Tagged[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const t of batch) {
    const list = byTopic.get(t.topic) ?? [];
    list.push(toMessage(t.event));
    byTopic.set(t.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Produces a scenario: topics created when missing, keys hashed like the Java client (a key stays in one
 * partition), one request at a time with an idempotent acks=all producer, so every partition holds its events
 * in event-time order, which the reconciler's watermarks rely on. Resolves once everything is acknowledged.
 */
export async function playScenario(
  bootstrap: string[],
  scenario: Pick<OrderScenario, 'left' | 'right'>,
  opts: PlayOptions = {},
): Promise<{ left: number; right: number }> {
  const leftTopic = opts.leftTopic ?? 'ORDER';
  const rightTopic = opts.rightTopic ?? 'ORDERNEW';
  const batchSize = opts.batchSize ?? 500;
  const kafka = new Kafka({
    clientId: 'tributary-example-orders',
    brokers: bootstrap,
    // Failures are thrown to the caller; kafkajs's own retry log would only repeat them.
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = [leftTopic, rightTopic].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      const { brokers } = await admin.describeCluster();
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: opts.partitions ?? 3,
          replicationFactor: Math.min(3, brokers.length),
        })),
      });
    }
    await producer.connect();
    const all = interleave(scenario, leftTopic, rightTopic);
    for (let next = 0; next < all.length;) {
      let end = Math.min(all.length, next + batchSize);
      if (opts.realTime) {
        const wait = all[next]!.event.timestamp - Date.now();
        if (wait > 0) await sleep(wait);
        const now = Date.now();
        end = next;
        while (end < all.length && end - next < batchSize && all[end]!.event.timestamp <= now) end++;
      }
      await producer.sendBatch({ acks: -1, topicMessages: topicMessages(all.slice(next, end)) });
      next = end;
      opts.onProgress?.(next, all.length);
    }
    return { left: scenario.left.length, right: scenario.right.length };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

function wholeNumber(min: number): (raw: string) => number {
  return (raw) => {
    if (!/^\d+$/.test(raw.trim()) || Number(raw) < min)
      throw new InvalidArgumentError(`expects a whole number of at least ${min}, got "${raw}"`);
    return Number(raw);
  };
}

function parseBootstrap(raw: string): string[] {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.find((b) => !/^.+:\d{1,5}$/.test(b));
  if (list.length === 0 || bad !== undefined)
    throw new InvalidArgumentError(`expects host:port[,host:port], got "${raw}"`);
  return list;
}

interface CliOptions {
  bootstrap: string[];
  orders: number;
  seed: number;
  leftTopic: string;
  rightTopic: string;
  partitions: number;
  rate: number;
}

/** Progress on one line when stderr is a terminal, otherwise a line per 10%. */
function progress(): (sent: number, total: number) => void {
  let lastTenth = -1;
  return (sent, total) => {
    const tenth = Math.floor((sent / total) * 10);
    if (process.stderr.isTTY)
      process.stderr.write(`\rsent ${sent}/${total} events${sent === total ? '\n' : ''}`);
    else if (tenth !== lastTenth) process.stderr.write(`sent ${sent}/${total} events\n`);
    lastTenth = tenth;
  };
}

function printExpected(s: OrderScenario): void {
  const e = s.expected;
  const f = s.faults;
  const examples = (keys: string[]): string =>
    keys.length > 0 ? `  e.g. ${keys.slice(0, 3).join(', ')}` : '';
  const rows: Array<[string, number, string]> = [
    ['keys', e.keys, ''],
    ['matched', e.matched, ''],
    ['missing-right', e.missingRight, examples(f.missing)],
    ['missing-left', e.missingLeft, examples(f.extra)],
    ['field-mismatch', e.fieldMismatch, examples([...f.rounding.slice(0, 2), ...f.droppedField.slice(0, 1)])],
    ['duplicate', e.duplicate, ''],
    ['late', e.late, examples(f.late)],
    ['stale', e.stale, ''],
    ['pending', e.pending, ''],
  ];
  const out = rows.map(([name, n, note]) => `  ${name.padEnd(15)}${String(n).padStart(8)}${note}`);
  const fields = Object.entries(e.fields).map(([name, n]) => `${name} ${n}`);
  process.stdout.write(
    '\nexpected once every window has passed (compare: tributary reconcile status orders-recon)\n' +
      `${out.join('\n')}\n  fields         ${fields.join(', ') || '-'}\n` +
      `expected: ${JSON.stringify(e)}\n`,
  );
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('play-order-services')
    .description('Plays the old (ORDER) and the new (ORDERNEW) order service of the migration example')
    .addOption(
      new Option('--bootstrap <host:port,...>', 'brokers')
        .argParser(parseBootstrap)
        .default(['127.0.0.1:9092'], '127.0.0.1:9092'),
    )
    .option('--orders <n>', 'orders of the old service', wholeNumber(1), 5000)
    .option('--seed <n>', 'seed of the scenario (same seed, same events)', wholeNumber(0), 1)
    .option('--left-topic <topic>', "old service's topic", 'ORDER')
    .option('--right-topic <topic>', "new service's topic", 'ORDERNEW')
    .option('--partitions <n>', 'partitions of topics this creates', wholeNumber(1), 3)
    .option(
      '--rate <orders/s>',
      '0: as fast as possible, event times up to now; > 0: real time',
      wholeNumber(0),
      0,
    )
    .parse(argv);
  const o = program.opts<CliOptions>();
  const windowMs = 30_000;
  const spacingMs = o.rate > 0 ? Math.max(1, Math.round(1000 / o.rate)) : 50;
  const base = { orders: o.orders, seed: o.seed, spacingMs, windowMs };
  let scenario: OrderScenario;
  if (o.rate > 0) {
    scenario = orderScenario({ ...base, startMs: Math.ceil(Date.now() / 1000) * 1000 + 1000 });
  } else {
    // Same seed, same layout: a first pass at time 0 gives the span, so the last event lands at about now.
    const dry = orderScenario({ ...base, startMs: 0 });
    const span = Math.max(dry.left.at(-1)!.timestamp, dry.right.at(-1)!.timestamp);
    scenario = orderScenario({ ...base, startMs: Math.floor((Date.now() - span) / 1000) * 1000 });
  }
  const f = scenario.faults;
  if (f.rounding.length === 0) {
    // Faults end a late order's span (3 windows and a bit) before the clean tail.
    const needMs = cleanTailMs(windowMs) + 3.1 * windowMs;
    process.stderr.write(
      `note: no faults injected: the last ${cleanTailMs(windowMs) / 1000} s of event time stay clean; ` +
        `give more than ${Math.ceil(needMs / spacingMs)} --orders at this rate\n`,
    );
  }
  process.stderr.write(
    `playing ${o.orders} orders (seed ${o.seed}): ${scenario.left.length} events to ${o.leftTopic}, ` +
      `${scenario.right.length} to ${o.rightTopic}; new service bugs: ${f.rounding.length} rounding, ` +
      `${f.droppedField.length} dropped customer.email, ${f.missing.length} missing, ${f.late.length} late, ` +
      `${f.extra.length} extra, ${f.duplicates.length} duplicates\n`,
  );
  const played = playScenario(o.bootstrap, scenario, {
    leftTopic: o.leftTopic,
    rightTopic: o.rightTopic,
    partitions: o.partitions,
    realTime: o.rate > 0,
    onProgress: progress(),
  });
  await played.catch((e: unknown) => {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`producing to ${o.bootstrap.join(',')} failed: ${why} (is \`tributary start\` running?)`);
  });
  printExpected(scenario);
}

if (require.main === module) {
  main(process.argv).catch((e: unknown) => {
    process.stderr.write(`play-order-services: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
