import { join } from 'node:path';
import { describeRun, runCmd, type HistoryMessage } from '@tributary/testing';

/**
 * Runs one of the Python client drivers in py/ with Debian's /usr/bin/python3 (where apt installs python3-kafka
 * and python3-confluent-kafka), passing a JSON request on stdin and parsing the JSON result.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export type PyDriver = 'kafka_python_client.py' | 'confluent_client.py';

async function runDriver<T>(driver: PyDriver, mode: 'produce' | 'consume', request: unknown): Promise<T> {
  const script = join(__dirname, 'py', driver);
  const r = await runCmd(SYSTEM_PYTHON, [script, mode], {
    input: JSON.stringify(request),
    timeoutMs: 50_000,
  });
  if (r.code !== 0) throw new Error(`${driver} ${mode} failed: ${describeRun(driver, r)}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`${driver} ${mode} printed no JSON result: ${describeRun(driver, r)}`);
  }
}

export async function pyProduce(
  driver: PyDriver,
  req: {
    bootstrap: string;
    topic: string;
    codec: string;
    acks?: string | number;
    messages: HistoryMessage[];
  },
): Promise<{ partition: number; offset: number }[]> {
  const res = await runDriver<{ acks: { partition: number; offset: number }[] }>(driver, 'produce', req);
  return res.acks;
}

export async function pyConsume(
  driver: PyDriver,
  req: { bootstrap: string; topic: string; partitions: number[]; timeout_s?: number },
): Promise<HistoryMessage[]> {
  const res = await runDriver<{ messages: HistoryMessage[] }>(driver, 'consume', { timeout_s: 30, ...req });
  return res.messages;
}

/** Acks must come back per partition with offsets 0, 1, 2, ... in send order. */
export function expectSequentialAcks(
  sent: HistoryMessage[],
  acks: { partition: number; offset: number }[],
): void {
  expect(acks).toHaveLength(sent.length);
  const next = new Map<number, number>();
  const expected = sent.map((m) => {
    const o = next.get(m.partition) ?? 0;
    next.set(m.partition, o + 1);
    return { partition: m.partition, offset: o };
  });
  expect(acks).toEqual(expected);
}
