import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, trackChild } from '@tributary/testing';

/** Debian's interpreter, where apt installs python3-confluent-kafka (scripts/ensure-test-deps.sh). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const EXTRA_MS = 90_000;

export interface PyLatencyRequest {
  bootstrap: string;
  topic: string;
  /** Messages per second, sent on a fixed schedule. */
  rate: number;
  seconds: number;
  /** Value bytes (at least 8: the value carries its scheduled send time). */
  size: number;
  acks: '1' | 'all';
  /** `produce`: delivery report - scheduled; `end-to-end`: consumer receive - scheduled. */
  mode: 'produce' | 'end-to-end';
}

export interface PyLatencyResult {
  /** Client and librdkafka versions. */
  client: string;
  latenciesMs: number[];
  /** p99 of actual send - scheduled send: how far the client (or a starved CPU) fell behind its schedule. */
  sendLagP99Ms: number;
}

interface PyOutput {
  client: string;
  sent: number;
  errors: number;
  first_error: string | null;
  send_lag_p99_ms: number;
  latencies_ms: number[];
}

/** Runs bench/py/produce_latency.py (confluent-kafka-python, librdkafka) and checks every message arrived. */
export function runPyLatency(req: PyLatencyRequest): Promise<PyLatencyResult> {
  const script = join(repoRoot(), 'bench', 'py', 'produce_latency.py');
  return new Promise((resolve, reject) => {
    const child = spawn(SYSTEM_PYTHON, [script, JSON.stringify(req)], { stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const limitMs = req.seconds * 1000 + EXTRA_MS;
    const timer = setTimeout(() => {
      stderr += `\n(killed: still running ${limitMs / 1000} s after start)`;
      child.kill('SIGKILL');
    }, limitMs);
    const what = `produce_latency.py ${req.mode} ${req.rate}/s acks=${req.acks} on ${req.topic}`;
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(
        new Error(
          `cannot run ${SYSTEM_PYTHON} (${e.message}); install python3 and python3-confluent-kafka with apt-get`,
        ),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        const hint = /No module named 'confluent_kafka'/.test(stderr)
          ? '; install it with: apt-get install python3-confluent-kafka (scripts/ensure-test-deps.sh does)'
          : '';
        return reject(new Error(`${what} exited ${code ?? signal}${hint}: ${stderr.trim()}`));
      }
      let res: PyOutput;
      try {
        res = JSON.parse(Buffer.concat(out).toString()) as PyOutput;
      } catch {
        return reject(new Error(`${what} printed no JSON result; stderr: ${stderr.trim()}`));
      }
      if (res.errors > 0)
        return reject(
          new Error(`${what}: ${res.errors} of ${res.sent} messages failed, first: ${res.first_error}`),
        );
      if (res.latencies_ms.length !== res.sent)
        return reject(
          new Error(`${what}: ${res.latencies_ms.length} latencies for ${res.sent} messages sent`),
        );
      resolve({ client: res.client, latenciesMs: res.latencies_ms, sendLagP99Ms: res.send_lag_p99_ms });
    });
  });
}
