import { spawn, type ChildProcess } from 'node:child_process';
import { trackChild } from './child-registry';

/**
 * Runner for a consumer-group member living in its own process (a Python script, kcat -G, or the kafkajs member
 * script), so a test can kill it with SIGKILL, which sends no LeaveGroup, exactly like a crash.
 *
 * A member reports what it does as events; most members print them as JSON lines on stdout (the "member
 * protocol" below), and a `parseLine` hook turns other output (kcat's stderr) into the same events:
 *   {"event":"assignment","partitions":[0,3]}      the complete set of partitions it owns now, after any change
 *   {"event":"message","partition":0,"offset":5,"key":"k","value":"v"}   processed one message
 *   {"event":"committed","offsets":{"0":6}}      a commit of these next-offsets succeeded
 *   {"event":"error","message":"..."}            something went wrong (commit failure, client error)
 *   {"event":"closed"}                           left the group cleanly and is about to exit
 */
export type MemberEvent =
  | { event: 'assignment'; partitions: number[] }
  | { event: 'message'; partition: number; offset: number; key: string | null; value: string | null }
  | { event: 'committed'; offsets: Record<string, number> }
  | { event: 'error'; message: string }
  | { event: 'closed' };

export interface GroupMemberOptions {
  /** Label used in failure messages, e.g. "kcat-2". */
  name: string;
  cmd: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Turns one output line into events; the default parses member-protocol JSON lines on stdout and ignores
   * stderr (kept for diagnostics).
   */
  parseLine?: (line: string, stream: 'stdout' | 'stderr') => MemberEvent[];
}

/** Wait conditions give up after this long unless told otherwise. */
const DEFAULT_WAIT_MS = 30_000;
const OUTPUT_CAP = 256 * 1024;

export class GroupMemberProcess {
  readonly name: string;
  readonly events: MemberEvent[] = [];
  private readonly child: ChildProcess;
  private owned: number[] = [];
  private output = '';
  private exitInfo: string | null = null;
  private readonly exited: Promise<void>;
  private readonly listeners = new Set<() => void>();

  constructor(opts: GroupMemberOptions) {
    this.name = opts.name;
    const parse = opts.parseLine ?? parseMemberProtocolLine;
    this.child = spawn(opts.cmd, [...opts.args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(this.child);
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': it comes after the last output has been read, so nothing printed is missed.
      this.child.once('close', (code, signal) => {
        this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
        this.notify();
        resolve();
      });
      // A command that cannot be started emits 'error' and never 'close'.
      this.child.once('error', (e) => {
        this.record(`[spawn error] cannot run ${opts.cmd}: ${e.message}; is it installed?\n`);
        this.exitInfo = `failed to start: ${e.message}`;
        this.notify();
        resolve();
      });
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      this.child[stream]!.on('data', (chunk: Buffer) => {
        const text = partial + chunk.toString('utf8');
        const lines = text.split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          this.record(`[${stream}] ${line}\n`);
          let events: MemberEvent[];
          try {
            events = parse(line, stream);
          } catch (e) {
            events = [
              { event: 'error', message: `unparsable ${stream} line (${String(e)}): ${line.slice(0, 200)}` },
            ];
          }
          for (const e of events) this.apply(e);
        }
        this.notify();
      });
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Partitions this member owns according to its latest assignment event. */
  partitions(): number[] {
    return [...this.owned];
  }

  /** True while the process runs. */
  alive(): boolean {
    return this.exitInfo === null;
  }

  messages(): Extract<MemberEvent, { event: 'message' }>[] {
    return this.events.filter((e): e is Extract<MemberEvent, { event: 'message' }> => e.event === 'message');
  }

  errors(): string[] {
    return this.events.flatMap((e) => (e.event === 'error' ? [e.message] : []));
  }

  /** Next offsets of this member's latest successful commit per partition (merged over all commits). */
  committed(): Map<number, number> {
    const out = new Map<number, number>();
    for (const e of this.events)
      if (e.event === 'committed') for (const [p, o] of Object.entries(e.offsets)) out.set(Number(p), o);
    return out;
  }

  /** Recent output of the process (both streams), for failure messages. */
  log(): string {
    return `--- ${this.name} (pid ${this.pid}, ${this.exitInfo ?? 'running'}) ---\n${this.output.slice(-8000)}`;
  }

  /** Calls `check` after every batch of output until it returns true; rejects with the output after `timeoutMs`. */
  waitFor(check: () => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return waitUntil(check, what, timeoutMs, [this]);
  }

  /** SIGKILL: no LeaveGroup, no commit, sockets simply drop. Resolves once the process is gone. */
  async kill9(): Promise<void> {
    if (this.alive()) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (members close their consumer cleanly on it) and wait; SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.alive()) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.record(`[runner] no exit ${graceMs} ms after SIGTERM; sending SIGKILL\n`);
      this.child.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resolves when the process has exited on its own (members that stop after N messages). */
  async exit(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    await this.waitFor(() => !this.alive(), 'the process to exit', timeoutMs);
  }

  /** @internal used by waitUntil */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private apply(e: MemberEvent): void {
    this.events.push(e);
    if (e.event === 'assignment') this.owned = [...e.partitions].sort((a, b) => a - b);
  }

  private record(text: string): void {
    this.output += text;
    if (this.output.length > OUTPUT_CAP) this.output = this.output.slice(this.output.length - OUTPUT_CAP);
  }

  private notify(): void {
    for (const fn of [...this.listeners]) fn();
  }
}

/** Parses one member-protocol JSON line from stdout; anything else (stderr, logs) yields no event. */
export function parseMemberProtocolLine(line: string, stream: 'stdout' | 'stderr'): MemberEvent[] {
  if (stream !== 'stdout' || !line.startsWith('{')) return [];
  try {
    const e = JSON.parse(line) as MemberEvent;
    return typeof e.event === 'string' ? [e] : [];
  } catch {
    return [];
  }
}

/**
 * Waits until `check()` is true, re-checking whenever any of `members` prints something (and every 250 ms, for
 * conditions that also depend on the outside world). On timeout rejects with `what` and every member's output.
 */
export function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  members: readonly GroupMemberProcess[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    let running = false;
    const unsubs: (() => void)[] = [];
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      for (const u of unsubs) u();
      if (err) reject(err);
      else resolve();
    };
    const evaluate = (): void => {
      if (done || running) return;
      running = true;
      Promise.resolve()
        .then(check)
        .then(
          (ok) => {
            running = false;
            if (ok) finish();
          },
          (e: unknown) => {
            running = false;
            finish(e instanceof Error ? e : new Error(String(e)));
          },
        );
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}\n${members.map((m) => m.log()).join('\n')}`,
          ),
        ),
      timeoutMs,
    );
    const poll = setInterval(evaluate, 250);
    for (const m of members) unsubs.push(m.subscribe(evaluate));
    evaluate();
  });
}
