import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { CompressionTypes, Partitioners, type Message, type Producer } from 'kafkajs';
import {
  UsageError,
  collect,
  parseIntOption,
  parseKeyValue,
  withClientOptions,
  type ClientOptions,
} from '../client/client-options';
import { createKafka } from '../client/kafka-client';
import { onExit, runCommand } from '../client/run-command';

interface ProduceOptions extends ClientOptions {
  key?: string;
  value?: string;
  header: string[];
  partition?: string;
  acks: string;
  compression: string;
  keySeparator?: string;
}

const CODECS: Record<string, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** Lines are sent in batches of this many, or when stdin pauses, so a pipe of a million lines is not one request. */
const BATCH = 500;
const LINGER_MS = 50;

/** `tributary produce <topic>`: one message per stdin line (like `kcat -P`), or one `--value`. */
export function registerProduce(program: Command): void {
  withClientOptions(
    program
      .command('produce')
      .argument('<topic>')
      .description('produce messages: one per stdin line (empty lines skipped), or a single --value'),
  )
    .option('-k, --key <key>', 'key for every message')
    .option(
      '-K, --key-separator <sep>',
      'split each line at the first <sep> into key and value (like kcat -K)',
    )
    .option('--value <value>', 'produce this single message instead of reading stdin')
    .option('-H, --header <key=value>', 'header for every message; repeatable', collect, [])
    .option('-p, --partition <n>', 'write to this partition (default: by key hash, or spread when keyless)')
    .option('--acks <acks>', 'acknowledgement: -1 (all), 1 (leader) or 0 (none)', '-1')
    .option('-z, --compression <codec>', `batch compression: ${Object.keys(CODECS).join('|')}`, 'none')
    .action((topic: string, opts: ProduceOptions) =>
      runCommand(`produce to ${topic}`, opts, () => produce(topic, opts)),
    );
}

async function produce(topic: string, opts: ProduceOptions): Promise<void> {
  if (!['-1', '0', '1'].includes(opts.acks))
    throw new UsageError(`--acks expects -1, 0 or 1, got "${opts.acks}"`);
  const acks = Number(opts.acks);
  const compression = CODECS[opts.compression];
  if (compression === undefined)
    throw new UsageError(
      `--compression expects one of ${Object.keys(CODECS).join(', ')}, got "${opts.compression}"`,
    );
  if (opts.key !== undefined && opts.keySeparator !== undefined)
    throw new UsageError('use either --key or --key-separator, not both');
  if (opts.keySeparator === '') throw new UsageError('--key-separator must not be empty');
  const partition = parseIntOption('--partition', opts.partition, { min: 0 });
  const headers: Record<string, string[]> = {};
  for (const h of opts.header) {
    const [k, v] = parseKeyValue('--header', h);
    (headers[k] ??= []).push(v);
  }
  const toMessage = (line: string): Message => {
    let key: string | null = opts.key ?? null;
    let value = line;
    if (opts.keySeparator !== undefined) {
      const at = line.indexOf(opts.keySeparator);
      if (at >= 0) {
        key = line.slice(0, at);
        value = line.slice(at + opts.keySeparator.length);
      }
    }
    const m: Message = { key, value };
    if (opts.header.length > 0) m.headers = { ...headers };
    if (partition !== undefined) m.partition = partition;
    return m;
  };

  const producer: Producer = createKafka(opts).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  onExit(() => producer.disconnect());

  let sent = 0;
  const send = async (messages: Message[]): Promise<void> => {
    if (messages.length === 0) return;
    await producer.send({ topic, messages, acks, compression });
    sent += messages.length;
  };

  if (opts.value !== undefined) {
    await send([toMessage(opts.value)]);
  } else {
    await produceLines(toMessage, send);
  }
  process.stdout.write(
    acks === 0
      ? `sent ${sent} message${sent === 1 ? '' : 's'} to ${topic} (acks=0: not acknowledged)\n`
      : `${sent} message${sent === 1 ? '' : 's'} acknowledged by ${topic}\n`,
  );
}

/** Reads stdin lines and sends them in order: full batches at once, a partial batch after a short pause. */
async function produceLines(
  toMessage: (line: string) => Message,
  send: (m: Message[]) => Promise<void>,
): Promise<void> {
  let pending: Message[] = [];
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = pending;
    pending = [];
    // Sends are chained so batches are acknowledged in stdin order.
    chain = chain
      .then(() => (failure === null ? send(batch) : undefined))
      .catch((e: unknown) => {
        failure ??= e;
      });
  };
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (failure !== null) break;
    if (line.length === 0) continue;
    pending.push(toMessage(line));
    if (pending.length >= BATCH) {
      flush();
      await chain;
    } else if (!timer) {
      timer = setTimeout(flush, LINGER_MS);
    }
  }
  flush();
  await chain;
  if (failure !== null) throw failure;
}
