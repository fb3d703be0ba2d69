import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Rng,
  makeTempDir,
  removeDir,
  sleep,
  startBroker,
  startConnectWorkerProcess,
  type BrokerHandle,
  type ConnectWorkerHandle,
} from '@tributary/testing';
import { writeLogWithRotations } from './log-writer';

jest.setTimeout(300_000);

const TOTAL = 100_000;

function pipeline(dir: string): string {
  const path = join(dir, 'pipeline.yaml');
  writeFileSync(
    path,
    [
      'connectors:',
      '  - name: app-logs',
      '    type: file-source',
      `    config: { paths: ["${join(dir, 'logs')}/app.log*"], format: line, topic: app-lines, poll.interval: 50ms }`,
      '  - name: archive',
      '    type: file-sink',
      '    topics: [app-lines]',
      `    config: { path: "${join(dir, 'out', 'app-lines.jsonl')}" }`,
      '',
    ].join('\n'),
  );
  return path;
}

function readOutput(dir: string): string[] {
  const f = join(dir, 'out', 'app-lines.jsonl');
  if (!existsSync(f)) return [];
  const text = readFileSync(f, 'utf8');
  const lines = text.split('\n');
  lines.pop(); // after the last newline (or a partial line being written)
  return lines.map((l) => JSON.parse(l) as string);
}

/** Waits until the sink's file holds `n` lines and stops growing. */
async function waitForOutput(dir: string, n: number, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let out = readOutput(dir);
  while (Date.now() < deadline) {
    if (out.length >= n) {
      await sleep(1500);
      const again = readOutput(dir);
      if (again.length === out.length) return again;
    }
    await sleep(250);
    out = readOutput(dir);
  }
  return out;
}

/** Equality as the issue defines it: every input line exactly once, nothing else. */
function expectSameLines(input: string[], output: string[]): void {
  const seen = new Map<string, number>();
  for (const l of output) seen.set(l, (seen.get(l) ?? 0) + 1);
  const missing = input.filter((l) => !seen.has(l));
  const duplicated = [...seen].filter(([, c]) => c > 1).map(([l]) => l);
  const inputSet = new Set(input);
  const unexpected = output.filter((l) => !inputSet.has(l));
  expect({ missing: missing.slice(0, 5), missingCount: missing.length }).toEqual({
    missing: [],
    missingCount: 0,
  });
  expect({ duplicated: duplicated.slice(0, 5), duplicatedCount: duplicated.length }).toEqual({
    duplicated: [],
    duplicatedCount: 0,
  });
  expect(unexpected).toEqual([]);
  expect(output).toHaveLength(input.length);
  // Lines of one file keep their order (one file's lines share a key, hence a partition).
  const order = output.map((l) => Number(l.slice(0, 6)));
  const perPhase = [
    order.filter((n) => n <= TOTAL / 3),
    order.filter((n) => n > TOTAL / 3 && n <= (2 * TOTAL) / 3),
  ];
  for (const ph of perPhase) expect(ph.every((n, i) => i === 0 || n > ph[i - 1]!)).toBe(true);
}

describe('connect: file-source -> topic -> file-sink, 100k lines with rename rotation and copy-truncate', () => {
  let broker: BrokerHandle;
  let dir: string;
  let worker: ConnectWorkerHandle | null = null;

  beforeEach(async () => {
    broker = await startBroker({ config: { 'num.partitions': 3 } });
    dir = makeTempDir('tributary-filepipe-');
    mkdirSync(join(dir, 'logs'));
    mkdirSync(join(dir, 'out'));
  });
  afterEach(async () => {
    await worker?.dispose();
    worker = null;
    await broker.dispose();
    removeDir(dir);
  });

  it('delivers every line exactly once', async () => {
    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [pipeline(dir)] });
    const input = await writeLogWithRotations(join(dir, 'logs'), TOTAL);
    const output = await waitForOutput(dir, TOTAL, 120_000);
    expectSameLines(input, output);
    const status = (await (await fetch(`${worker.url}/connectors?expand=status`)).json()) as Record<
      string,
      { status: { tasks: { state: string }[] } }
    >;
    expect(status['app-logs']!.status.tasks[0]!.state).toBe('RUNNING');
    expect(status['archive']!.status.tasks[0]!.state).toBe('RUNNING');
  });

  it('loses nothing and the sink file has no duplicates across 6 kill -9 of the worker (seed 7)', async () => {
    const rng = new Rng(7);
    const pipelinePath = pipeline(dir);
    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [pipelinePath] });
    const writing = writeLogWithRotations(join(dir, 'logs'), TOTAL, 500, 5);
    let kills = 0;
    let writerDone = false;
    void writing.then(() => (writerDone = true));
    // Kill at random moments while lines are written and right after, then once more while catching up.
    while (kills < 6) {
      await sleep(rng.int(300, 2500));
      await worker.kill9();
      kills++;
      await sleep(rng.int(0, 500));
      await worker.restart();
      if (writerDone && kills >= 5) break;
    }
    const input = await writing;
    const output = await waitForOutput(dir, TOTAL, 180_000);
    expect(kills).toBeGreaterThanOrEqual(5);
    expectSameLines(input, output);
  });
});
