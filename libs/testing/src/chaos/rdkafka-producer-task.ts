import { sleep } from '../broker-process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { trackChild } from '../child-registry';
import { repoRoot } from '../repo-root';
import type { PendingOp, SendOp } from './history-recorder';
import type { Rng } from './rng';
import type { ProducerTaskOptions } from './kafkajs-producer-task';
import { type WorkloadContext } from './workload-context';

/** Debian's interpreter, which has python3-confluent-kafka (librdkafka) installed. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const MESSAGE_TIMEOUT_MS = 10_000;
const FLUSH_S = 15;

function script(): string {
  return join(repoRoot(), 'libs', 'testing', 'src', 'chaos', 'py', 'chaos_producer.py');
}

type Event =
  | { e: 'invoke'; seq: number; p: number }
  | { e: 'ok'; seq: number; p: number; o: number }
  | { e: 'info'; seq: number; err: string }
  | { e: 'fatal'; err: string };

/**
 * One librdkafka producer process (confluent-kafka-python, acks=all, idempotent unless told otherwise), run until the context stops.
 * librdkafka pipelines several messages per partition and retries by itself; each message is a send op, `info`
 * when librdkafka gives up (message.timeout.ms) or when the process ends with it still undelivered.
 */
export async function rdkafkaProducerTask(
  ctx: WorkloadContext,
  proc: string,
  rng: Rng,
  opts: ProducerTaskOptions,
): Promise<void> {
  const cfg = {
    bootstrap: ctx.cluster.bootstrap,
    topic: ctx.topic,
    partitions: ctx.partitions,
    process: proc,
    seed: rng.int(0, 2 ** 31 - 1),
    pause_ms: opts.pauseMs,
    message_timeout_ms: MESSAGE_TIMEOUT_MS,
    flush_s: FLUSH_S,
    idempotence: opts.idempotent,
  };
  const child = spawn(SYSTEM_PYTHON, [script(), JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
  trackChild(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => {
    // 'close' (not 'exit'): every line of stdout has been read by then.
    child.once('close', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  const pending = new Map<number, PendingOp<SendOp>>();
  let fatal: string | null = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    let ev: Event;
    try {
      ev = JSON.parse(line) as Event;
    } catch {
      return; // not ours (a library printing to stdout)
    }
    if (ev.e === 'invoke') {
      const value = `${proc}-${ev.seq}`;
      pending.set(
        ev.seq,
        ctx.history.invoke({
          f: 'send',
          process: proc,
          topic: ctx.topic,
          partition: ev.p,
          key: value,
          value,
        }),
      );
    } else if (ev.e === 'ok') {
      pending.get(ev.seq)?.ok({ partition: ev.p, offset: ev.o });
      pending.delete(ev.seq);
    } else if (ev.e === 'info') {
      pending.get(ev.seq)?.info(new Error(ev.err));
      pending.delete(ev.seq);
    } else {
      fatal = ev.err;
    }
  });
  while (!ctx.stopped() && child.exitCode === null) await sleep(100);
  child.stdin.end('stop\n');
  const timer = setTimeout(() => child.kill('SIGKILL'), (FLUSH_S + 10) * 1000);
  const code = await exited;
  clearTimeout(timer);
  for (const op of pending.values()) op.info(new Error('still undelivered when the producer process ended'));
  if (code !== 0)
    throw new Error(
      `librdkafka producer ${proc} exited with ${code}${fatal ? ` (fatal: ${fatal})` : ''}; stderr:\n${stderr}`,
    );
}
