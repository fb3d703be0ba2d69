/** What the benchmarks share: a kcat runner, payload files and the min / median / max summary. */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';

export interface Sample {
  seconds: number;
  records: number;
  bytes: number;
}

/** A file of `n` newline-delimited records of exactly `size` bytes each, for `kcat -P`. */
export async function writePayload(path: string, size: number, n: number): Promise<void> {
  const line = Buffer.alloc(size + 1, 'x');
  line[size] = 10;
  const out = createWriteStream(path);
  const chunk = Buffer.concat(Array.from({ length: 1000 }, () => line));
  for (let left = n; left > 0; left -= 1000) {
    const part = left >= 1000 ? chunk : chunk.subarray(0, left * line.length);
    if (!out.write(part)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** Runs kcat to completion; wall time includes process start, as a user would see it. */
export function kcat(args: string[], stdinFile?: string): Promise<{ seconds: number; stdoutBytes: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('kcat', args, { stdio: [stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdoutBytes += d.length));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (stdinFile) createReadStream(stdinFile, { highWaterMark: 1 << 20 }).pipe(child.stdin!);
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

/** librdkafka producer settings that batch hard: the benchmarks measure the broker, not tiny requests. */
export function producerConf(acks: 'all' | '1'): string[] {
  return [
    ...['-X', `acks=${acks}`, '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000'],
    ...['-X', 'batch.size=1000000', '-X', 'queue.buffering.max.messages=2000000'],
    ...['-X', 'queue.buffering.max.kbytes=2000000'],
  ];
}

/**
 * Reads partition 0 of `topic` from the beginning to its end with kcat, checks that it delivered exactly
 * `records` records and returns the seconds it took. kcat prints one byte per record, not the payload: piping a
 * GB of values to the harness cost as much CPU as the broker, and a consumer benchmark measures delivery, not
 * printing. librdkafka's fetch queue defaults to 64 MiB (queued.max.messages.kbytes): with it kcat stops
 * fetching while it writes out what it holds. fetch.wait.max.ms is short because librdkafka reports the end only
 * after an empty fetch, which the broker holds that long (500 ms by default): idle, not reading.
 */
export async function kcatConsumeAll(bootstrap: string, topic: string, records: number): Promise<number> {
  const c = await kcat([
    ...['-b', bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '.'],
    ...['-X', 'fetch.max.bytes=52428800', '-X', 'queued.min.messages=1000000'],
    ...['-X', 'queued.max.messages.kbytes=2000000', '-X', 'fetch.wait.max.ms=10'],
  ]);
  if (c.stdoutBytes !== records)
    throw new Error(`kcat read ${c.stdoutBytes} records of ${topic}, expected ${records}`);
  return c.seconds;
}

/**
 * Writes every dirty page back before a timed run. Each run starts from the same state: without this, a run
 * pays the kernel's writeback throttling for gigabytes the previous runs (of any system) left dirty, and the
 * order of the scenarios decides the figures. Cost of the run's own writes stays in its figure.
 */
export function settleDisk(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sync', [], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sync exited with ${code}`))));
  });
}

export function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const fmt = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : `${(v / 1e3).toFixed(0)}k`);
  return `${fmt(s[0]!)} / ${fmt(s[Math.floor(s.length / 2)]!)} / ${fmt(s[s.length - 1]!)}`;
}

/** One markdown row: records/s and payload bytes/s over the samples. */
export function row(label: string, size: number, samples: Sample[]): string {
  const msgs = samples.map((s) => s.records / s.seconds);
  const mbs = samples.map((s) => s.bytes / s.seconds);
  return `| ${label} | ${size} B | ${stats(msgs)} msgs/s | ${stats(mbs).replace(/k/g, 'kB').replace(/M/g, 'MB')}/s |`;
}

export function fail(e: unknown): never {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
}
