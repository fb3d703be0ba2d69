import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  freePort,
  makeTempDir,
  readPartitions,
  removeDir,
  repoRoot,
  sleep,
  trackChild,
  type FetchedMessage,
} from '@tributary/testing';

jest.setTimeout(60_000);

/** What the quickstart's archive must hold: the JSON app log lines but debug ones, e-mails masked, and every access line parsed. */
function expectedArchive(logs: string): { app: string[]; access: string[]; malformed: string[] } {
  const app: string[] = [];
  const malformed: string[] = [];
  for (const line of readFileSync(join(logs, 'app.log'), 'utf8').split('\n')) {
    if (line === '') continue;
    let v: { level?: string; user?: { email?: unknown } | null };
    try {
      v = JSON.parse(line) as typeof v;
    } catch {
      malformed.push(line);
      continue;
    }
    if (v.level === 'debug') continue;
    if (v.user && v.user.email !== undefined && v.user.email !== null)
      v = { ...v, user: { ...v.user, email: '****' } };
    app.push(JSON.stringify(v));
  }
  const access = readFileSync(join(logs, 'access.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      // e.g. 10.0.0.47 - - [23/Nov/2026:09:00:01 +0000] "GET /api/cart HTTP/1.1" 304 1789
      const ip = line.slice(0, line.indexOf(' '));
      const time = line.slice(line.indexOf('[') + 1, line.indexOf(']'));
      const [method, path] = line.slice(line.indexOf('"') + 1, line.lastIndexOf('"')).split(' ');
      const [status, bytes] = line
        .slice(line.lastIndexOf('"') + 1)
        .trim()
        .split(' ');
      return JSON.stringify({ ip, time, method, path, status, bytes });
    });
  return { app, access, malformed };
}

/** The argv of `npm start` (package.json scripts.start), with the CLI as an absolute path. */
function npmStartArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [node, main, ...args] = pkg.scripts['start']!.split(' ');
  expect([node, main]).toEqual(['node', 'dist/apps/cli/src/main.js']);
  return [join(repoRoot(), main!), ...args];
}

/**
 * The quickstart as a user runs it (`npm start`: `tributary start --config examples/quickstart.yaml`, one process
 * with a broker and a connect worker), in a scratch copy of examples/ so its ./out and data stay out of the repo.
 */
describe('connect: the quickstart', () => {
  let dir: string;
  let data: string;
  let kafkaPort: number;
  let connectPort: number;
  let run: QuickstartRun | null = null;

  interface QuickstartRun {
    proc: ChildProcess;
    stdout: string;
    stderr: string;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  }

  beforeAll(async () => {
    dir = makeTempDir('tributary-quickstart-');
    data = join(dir, 'data');
    mkdirSync(join(dir, 'examples'));
    cpSync(join(repoRoot(), 'examples', 'quickstart.yaml'), join(dir, 'examples', 'quickstart.yaml'));
    cpSync(join(repoRoot(), 'examples', 'logs'), join(dir, 'examples', 'logs'), { recursive: true });
    kafkaPort = await freePort();
    connectPort = await freePort();
  });
  afterAll(async () => {
    const p = run?.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      p.kill('SIGKILL');
      await run!.exited;
    }
    removeDir(dir);
  });

  const output = (): string => `--- stdout ---\n${run?.stdout}\n--- stderr ---\n${run?.stderr.slice(-6000)}`;

  /** `npm start` in the scratch dir; resolves once it printed where to look. */
  async function start(): Promise<QuickstartRun> {
    const proc = spawn(process.execPath, npmStartArgs(), {
      cwd: dir,
      env: {
        ...process.env,
        TRIBUTARY_DATA: data,
        KAFKA_PORT: String(kafkaPort),
        CONNECT_PORT: String(connectPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(proc);
    const r: QuickstartRun = (run = {
      proc,
      stdout: '',
      stderr: '',
      exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
    });
    proc.stdout!.on('data', (d: Buffer) => (r.stdout += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (r.stderr += d.toString()));
    let gone = false;
    void r.exited.then(() => (gone = true));
    const readyBy = Date.now() + 30_000;
    while (!r.stdout.includes('Stop with Ctrl-C') && !gone && Date.now() < readyBy) await sleep(100);
    if (!r.stdout.includes('Stop with Ctrl-C')) throw new Error(`the quickstart did not start\n${output()}`);
    return r;
  }

  /** Ctrl-C / SIGTERM: connectors flush and store their offsets, the broker closes; resolves the exit status. */
  async function stop(r: QuickstartRun): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    r.proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 20_000)));
    const result = await Promise.race([r.exited, late]);
    clearTimeout(timer);
    if (result === null) throw new Error(`no exit 20 s after SIGTERM\n${output()}`);
    return result;
  }

  const archive = (): string[] => {
    const f = join(dir, 'out', 'archive.jsonl');
    return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
  };
  async function waitForArchive(n: number): Promise<string[]> {
    const deadline = Date.now() + 30_000;
    while (archive().length < n && Date.now() < deadline) await sleep(200);
    const got = archive();
    if (got.length !== n) throw new Error(`archive holds ${got.length} lines, expected ${n}\n${output()}`);
    return got;
  }
  async function dlq(): Promise<FetchedMessage[]> {
    const client = new Kafka({ brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING });
    return readPartitions(client, 'app-logs-dlq', [0]);
  }

  it('runs broker and connectors, fills out/archive.jsonl and the DLQ, and stops cleanly on SIGTERM', async () => {
    const { stdout } = await start();
    const kafka = `127.0.0.1:${kafkaPort}`;
    const connect = `http://127.0.0.1:${connectPort}`;
    expect(stdout).toContain('Tributary is running.');
    expect(stdout).toContain(`Kafka:    ${kafka}   (data in ${data})`);
    expect(stdout).toContain(`Connect:  ${connect}   (status: ${connect}/connectors?expand=status`);
    expect(stdout).toContain('Pipeline: examples/quickstart.yaml (edits are applied on save)');
    expect(stdout).toContain('app-logs (file-source) -> topic app-logs');
    expect(stdout).toContain('access-logs (file-source) -> topic access-logs');
    expect(stdout).toContain('archive (file-sink) app-logs, access-logs -> ./out/archive.jsonl');
    expect(stdout).toContain(`tributary consume app-logs --bootstrap ${kafka} --from-beginning`);
    // The broker's data went where TRIBUTARY_DATA said.
    expect(readdirSync(data).length).toBeGreaterThan(0);

    const want = expectedArchive(join(dir, 'examples', 'logs'));
    expect(want.app.length).toBeGreaterThan(40);
    expect(want.access).toHaveLength(40);
    expect(want.malformed).toHaveLength(1);
    const got = await waitForArchive(want.app.length + want.access.length);
    expect([...got].sort()).toEqual([...want.app, ...want.access].sort());
    // Each source's lines keep their file order (two topics interleave freely).
    const accessSet = new Set(want.access);
    expect(got.filter((l) => accessSet.has(l))).toEqual(want.access);
    expect(got.filter((l) => !accessSet.has(l))).toEqual(want.app);
    expect(got.some((l) => l.includes('@example.com'))).toBe(false);

    // The malformed app.log line is in the dead letter queue, saying why.
    const dead = await dlq();
    expect(dead.map((m) => m.value)).toEqual(want.malformed);
    expect(dead[0]!.headers).toMatchObject({
      '__connect.errors.connector.name': 'app-logs',
      '__connect.errors.stage': 'source',
    });
    expect(dead[0]!.headers['__connect.errors.exception.message']).toMatch(
      /examples\/logs\/app\.log at byte \d+ is not valid JSON/,
    );

    const statuses = (await (await fetch(`${connect}/connectors?expand=status`)).json()) as Record<
      string,
      { status: { connector: { state: string }; tasks: { state: string }[] } }
    >;
    expect(
      Object.fromEntries(
        Object.entries(statuses).map(([name, st]) => [
          name,
          [st.status.connector.state, ...st.status.tasks.map((t) => t.state)],
        ]),
      ),
    ).toEqual({
      'app-logs': ['RUNNING', 'RUNNING'],
      'access-logs': ['RUNNING', 'RUNNING'],
      archive: ['RUNNING', 'RUNNING'],
    });
    expect((await fetch(`${connect}/health`)).status).toBe(200);

    expect(await stop(run!)).toEqual({ code: 0, signal: null });
    expect(archive()).toEqual(got);
  });

  it('started again on the same data, it goes on where it stopped: no line twice, new lines arrive', async () => {
    const before = archive();
    expect(before.length).toBeGreaterThan(80);
    await start();
    const line = {
      ts: '2026-11-23T10:00:00.000Z',
      level: 'info',
      request_id: 'req-after-restart',
      msg: 'appended while running again',
      user: { id: 'u1', email: 'late@example.com' },
    };
    appendFileSync(join(dir, 'examples', 'logs', 'app.log'), `${JSON.stringify(line)}\n`);
    const after = await waitForArchive(before.length + 1);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(JSON.parse(after[before.length]!)).toEqual({ ...line, user: { id: 'u1', email: '****' } });
    // The malformed line was not read (and dead-lettered) again.
    expect(await dlq()).toHaveLength(1);
    expect(await stop(run!)).toEqual({ code: 0, signal: null });
    expect(archive()).toEqual(after);
  });
});
