/**
 * Produce and consume throughput of one broker with kcat (librdkafka) as the client, 100-byte and 1 KiB
 * records, acks=1, batching on. Not a test: prints a table of min/median/max over REPEATS runs.
 *   npm run bench:broker            (BENCH_RECORDS, BENCH_REPEATS, BENCH_SIZES=100,1024 to change)
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '@tributary/testing';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? '100,1024').split(',').map(Number);

const PRODUCER_CONF = [
  '-X',
  'acks=1',
  '-X',
  'linger.ms=5',
  '-X',
  'batch.num.messages=10000',
  '-X',
  'batch.size=1000000',
  '-X',
  'queue.buffering.max.messages=2000000',
  '-X',
  'queue.buffering.max.kbytes=2000000',
];

interface Sample {
  seconds: number;
  records: number;
  bytes: number;
}

async function writePayload(path: string, size: number, n: number): Promise<void> {
  const line = Buffer.alloc(size + 1, 'x');
  line[size] = 10; // newline delimits records for kcat; the record value is exactly `size` bytes
  const out = createWriteStream(path);
  const chunk = Buffer.concat(Array.from({ length: 1000 }, () => line));
  for (let i = 0; i < n / 1000; i++)
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

function kcat(args: string[], stdinFile?: string): Promise<{ seconds: number; stdoutBytes: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('kcat', args, { stdio: [stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdoutBytes += d.length));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (stdinFile) {
      const { createReadStream } = require('node:fs') as typeof import('node:fs');
      createReadStream(stdinFile, { highWaterMark: 1 << 20 }).pipe(child.stdin!);
    }
    child.on('error', (e) =>
      reject(new Error(`cannot run kcat (${e.message}); install it with: apt-get install kcat`)),
    );
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
      else resolve({ seconds, stdoutBytes });
    });
  });
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const fmt = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : `${(v / 1e3).toFixed(0)}k`);
  return `${fmt(s[0]!)} / ${fmt(s[Math.floor(s.length / 2)]!)} / ${fmt(s[s.length - 1]!)}`;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  const broker = await startBroker({ dataDir: join(work, 'data') });
  const rows: string[] = [];
  try {
    for (const size of SIZES) {
      const payload = join(work, `payload-${size}`);
      await writePayload(payload, size, RECORDS);
      const produce: Sample[] = [];
      const consume: Sample[] = [];
      for (let r = 0; r < REPEATS; r++) {
        const topic = `bench-${size}-${r}`;
        const p = await kcat(
          ['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', ...PRODUCER_CONF],
          payload,
        );
        produce.push({ seconds: p.seconds, records: RECORDS, bytes: RECORDS * size });
        const c = await kcat([
          '-b',
          broker.bootstrap,
          '-C',
          '-t',
          topic,
          '-p',
          '0',
          '-o',
          'beginning',
          '-e',
          '-q',
          '-f',
          '%s\n',
          '-X',
          'fetch.max.bytes=52428800',
          '-X',
          'queued.min.messages=1000000',
        ]);
        if (c.stdoutBytes !== RECORDS * (size + 1))
          throw new Error(`consumed ${c.stdoutBytes} bytes, expected ${RECORDS * (size + 1)}`);
        consume.push({ seconds: c.seconds, records: RECORDS, bytes: RECORDS * size });
      }
      for (const [name, samples] of [
        ['produce', produce],
        ['consume', consume],
      ] as const) {
        const msgs = samples.map((s) => s.records / s.seconds);
        const mbs = samples.map((s) => s.bytes / s.seconds);
        rows.push(
          `| ${name} | ${size} B | ${stats(msgs)} msgs/s | ${stats(mbs).replace(/k/g, 'kB').replace(/M/g, 'MB')}/s |`,
        );
      }
      rmSync(payload);
    }
  } finally {
    await broker.stop();
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(
    `\nkcat -> Tributary, ${RECORDS} records per run, ${REPEATS} runs, min / median / max (process start included)\n` +
      '| direction | record | records/s | payload/s |\n|---|---|---|---|\n' +
      rows.join('\n') +
      '\n',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
