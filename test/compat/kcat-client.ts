import { describeRun, runCmd, type HistoryMessage } from '@tributary/testing';

/** Thin wrappers over the kcat CLI (librdkafka) used by the kcat compat and crash tests. */

export interface KcatProduceOptions {
  bootstrap: string;
  topic: string;
  partition: number;
  codec?: string;
  /** librdkafka `acks`: 0, 1 or -1/all. */
  acks?: string;
  headers?: Record<string, string>;
}

/** Produces `key:value` lines to one partition; every message gets the same headers (kcat `-H` is per run). */
export async function kcatProduce(
  opts: KcatProduceOptions,
  messages: { key: string | null; value: string }[],
): Promise<void> {
  const args = [
    '-b',
    opts.bootstrap,
    '-P',
    '-t',
    opts.topic,
    '-p',
    String(opts.partition),
    '-K:',
    '-z',
    opts.codec ?? 'none',
    '-q',
  ];
  args.push('-X', `acks=${opts.acks ?? 'all'}`, '-X', 'message.timeout.ms=20000');
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  for (const m of messages) {
    if (m.key !== null && m.key.includes(':'))
      throw new Error(`kcat keys are split on ':'; key ${JSON.stringify(m.key)} contains one`);
    if (m.key === null && m.value.includes(':'))
      throw new Error('a keyless kcat line must not contain the key delimiter ":"');
    if (m.value.includes('\n'))
      throw new Error('kcat messages are newline-delimited; values must not contain newlines');
  }
  // A line without the delimiter is produced with a null key.
  const input = messages.map((m) => (m.key === null ? m.value : `${m.key}:${m.value}`)).join('\n') + '\n';
  const r = await runCmd('kcat', args, { input, timeoutMs: 40_000 });
  if (r.code !== 0 || /fail|error/i.test(r.stderr))
    throw new Error(`kcat produce to ${opts.topic}/${opts.partition} failed: ${describeRun('kcat', r)}`);
}

interface KcatJsonLine {
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[] | Record<string, string>;
  ts?: number;
}

/** Consumes every partition (or one) from the beginning to the end with `kcat -C -e -J`, no consumer group. */
export async function kcatConsumeAll(
  bootstrap: string,
  topic: string,
  partition?: number,
): Promise<HistoryMessage[]> {
  const args = ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q'];
  if (partition !== undefined) args.push('-p', String(partition));
  const r = await runCmd('kcat', args, { timeoutMs: 40_000 });
  if (r.code !== 0) throw new Error(`kcat consume from ${topic} failed: ${describeRun('kcat', r)}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((line) => {
      let j: KcatJsonLine;
      try {
        j = JSON.parse(line) as KcatJsonLine;
      } catch {
        throw new Error(
          `kcat printed a line that is not JSON: ${line.slice(0, 200)}\nstderr: ${r.stderr.slice(-2000)}`,
        );
      }
      return {
        partition: j.partition,
        offset: j.offset,
        key: j.key,
        value: j.payload,
        headers: headersOf(j.headers),
      };
    });
}

function headersOf(h: KcatJsonLine['headers']): Record<string, string> {
  if (h === undefined) return {};
  if (!Array.isArray(h)) return h;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < h.length; i += 2) out[h[i]!] = h[i + 1]!;
  return out;
}
