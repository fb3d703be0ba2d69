import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  makeTempDir,
  removeDir,
  sleep,
  startBroker,
  startConnectWorkerProcess,
  type BrokerHandle,
  type ConnectWorkerHandle,
} from '@tributary/testing';

jest.setTimeout(90_000);

interface TaskStatus {
  state: string;
  health: string;
  stalled?: { operation: string; for_ms: number };
}

/**
 * A task that hangs (here: a file-sink whose output is a FIFO nobody reads, so opening it never returns) must
 * not look healthy: after `stall.timeout` its status says STALLED and names the call it is stuck in, and
 * /health answers 503.
 */
describe('connect: STALLED health state', () => {
  let broker: BrokerHandle;
  let worker: ConnectWorkerHandle;
  let dir: string;

  beforeAll(async () => {
    broker = await startBroker();
    dir = makeTempDir('tributary-stalled-');
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const pipeline = join(dir, 'pipeline.yaml');
    writeFileSync(
      pipeline,
      [
        'connectors:',
        '  - name: stuck',
        '    type: file-sink',
        '    topics: [anything]',
        `    config: { path: "${fifo}" }`,
        '    stall.timeout: 1s',
        '',
      ].join('\n'),
    );
    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [pipeline] });
  });
  afterAll(async () => {
    // The worker is blocked opening the FIFO: kill it rather than wait for a graceful stop.
    await worker?.kill9();
    await worker?.dispose();
    await broker?.dispose();
    removeDir(dir);
  });

  it('reports the task STALLED in its start call and /health 503', async () => {
    let task: TaskStatus | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const s = (await (await fetch(`${worker.url}/connectors/stuck/status`)).json()) as {
        tasks: TaskStatus[];
      };
      task = s.tasks[0];
      if (task?.health === 'STALLED') break;
      await sleep(250);
    }
    expect(task?.health).toBe('STALLED');
    expect(task?.stalled?.operation).toBe('start');
    expect(task?.stalled?.for_ms).toBeGreaterThan(1000);
    const health = await fetch(`${worker.url}/health`);
    expect(health.status).toBe(503);
    const body = (await health.json()) as { status: string; problems: string[] };
    expect(body.status).toBe('DEGRADED');
    expect(body.problems).toEqual(['stuck/0: STALLED in start']);
  });
});
