import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  builtCliPath,
  describeRun,
  freePort,
  makeTempDir,
  removeDir,
  runCmd,
  startBroker,
  startConnectWorkerProcess,
  type BrokerHandle,
  type ConnectWorkerHandle,
  type RunResult,
} from '@tributary/testing';

jest.setTimeout(90_000);

/** `tributary connectors ...` against a running worker, as an operator uses it. */
describe('cli: tributary connectors', () => {
  let broker: BrokerHandle;
  let worker: ConnectWorkerHandle;
  let dir: string;

  const cli = (args: string[], url = worker.url): Promise<RunResult> =>
    runCmd(process.execPath, [builtCliPath(), 'connectors', '--connect-url', url, ...args], {
      timeoutMs: 30_000,
    });
  const ok = async (args: string[]): Promise<string> => {
    const r = await cli(args);
    if (r.code !== 0) throw new Error(describeRun(`tributary connectors ${args.join(' ')}`, r));
    return r.stdout;
  };

  beforeAll(async () => {
    broker = await startBroker();
    dir = makeTempDir('tributary-connectors-cli-');
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs', 'a.log'), 'one\ntwo\n');
    const pipeline = join(dir, 'pipeline.yaml');
    writeFileSync(
      pipeline,
      [
        'connectors:',
        '  - name: tail',
        '    type: file-source',
        `    config: { paths: ["${join(dir, 'logs')}/*.log"], topic: lines, poll.interval: 50ms }`,
        '',
      ].join('\n'),
    );
    worker = await startConnectWorkerProcess({ bootstrap: broker.bootstrap, pipelines: [pipeline] });
  });
  afterAll(async () => {
    await worker?.dispose();
    await broker?.dispose();
    removeDir(dir);
  });

  it('lists, shows status, pauses, resumes and prints offsets', async () => {
    expect(await ok(['list'])).toMatch(
      /^NAME\s+TYPE\s+STATE\s+TASKS\ntail\s+source\s+RUNNING\s+0:RUNNING\n$/,
    );
    expect(await ok(['status', 'tail'])).toMatch(/^tail \(source\): RUNNING\nTASK\s+STATE\s+HEALTH/);
    expect(await ok(['pause', 'tail'])).toBe('tail: pause requested\n');
    expect(await ok(['status', 'tail'])).toMatch(/tail \(source\): PAUSED\n/);
    expect(await ok(['resume', 'tail'])).toBe('tail: resume requested\n');
    // Offsets are stored shortly after the two lines are acked.
    let offsets: { offsets: { offset: { position: number } }[] } = { offsets: [] };
    for (let i = 0; i < 50 && offsets.offsets.length === 0; i++) {
      offsets = JSON.parse(await ok(['offsets', 'tail'])) as typeof offsets;
      if (offsets.offsets.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(offsets.offsets.map((o) => o.offset.position)).toEqual([8]);
  });

  it('reports errors in one line: unknown connector, no signals, unreachable worker', async () => {
    const unknown = await cli(['status', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('tributary: connector nope not found; see GET /connectors\n');
    const signal = await cli(['snapshot', 'tail', 'public.t']);
    expect(signal.code).toBe(1);
    expect(signal.stderr).toBe('tributary: connector tail (file-source) takes no signals\n');
    const down = await cli(['list'], `http://127.0.0.1:${await freePort()}`);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^tributary: cannot reach the connect worker at http:\/\/127\.0\.0\.1:\d+ .*is it running\? Set --connect-url or TRIBUTARY_CONNECT_URL\n$/,
    );
  });
});
