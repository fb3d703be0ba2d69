import { Kafka, logLevel, type Consumer } from 'kafkajs';
import {
  builtCliPath,
  describeRun,
  freePort,
  runCmd,
  startBroker,
  type BrokerHandle,
  type RunResult,
} from '@tributary/testing';

jest.setTimeout(90_000);

/**
 * The built `tributary` client commands as a user runs them: a child process per command against a real broker,
 * checking stdout, the single-line errors on stderr and exit codes.
 */
describe('cli: tributary client commands', () => {
  let broker: BrokerHandle;

  const cli = async (args: string[], input?: string): Promise<RunResult> =>
    runCmd(process.execPath, [builtCliPath(), ...args], {
      input: input ?? '',
      timeoutMs: 60_000,
      env: { ...process.env, TRIBUTARY_BOOTSTRAP: broker.bootstrap },
    });
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await cli(args, input);
    if (r.code !== 0) throw new Error(describeRun(`tributary ${args.join(' ')}`, r));
    return r.stdout;
  };
  /** A failure is one line on stderr, no stack trace, a non-zero exit. */
  const fails = async (args: string[], input?: string): Promise<string> => {
    const r = await cli(args, input);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    return lines[0]!;
  };

  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  it('creates, lists, describes and deletes topics', async () => {
    expect(
      await ok([
        'topics',
        'create',
        'cli-admin',
        '--partitions',
        '3',
        '--config',
        'cleanup.policy=compact',
        '--config',
        'retention.ms=3600000',
      ]),
    ).toBe('created topic cli-admin with 3 partitions\n');
    expect((await ok(['topics', 'list'])).split('\n')).toContain('cli-admin');
    expect(JSON.parse(await ok(['topics', 'list', '--json']))).toContain('cli-admin');

    await ok(['produce', 'cli-admin', '--partition', '1', '--value', 'one']);
    const desc = JSON.parse(await ok(['topics', 'describe', 'cli-admin', '--json'])) as {
      partitions: {
        partition: number;
        leader: number;
        replicas: number[];
        isr: number[];
        earliest: number;
        latest: number;
      }[];
      configs: { name: string; value: string; source: string }[];
    };
    expect(desc.partitions.map((p) => [p.partition, p.earliest, p.latest])).toEqual([
      [0, 0, 0],
      [1, 0, 1],
      [2, 0, 0],
    ]);
    for (const p of desc.partitions) {
      expect(p.replicas).toEqual([p.leader]);
      expect(p.isr).toEqual([p.leader]);
    }
    expect(desc.configs).toEqual(
      expect.arrayContaining([
        { name: 'cleanup.policy', value: 'compact', source: 'topic', readOnly: false },
      ]),
    );
    expect(desc.configs.find((c) => c.name === 'retention.ms')?.value).toBe('3600000');

    const text = await ok(['topics', 'describe', 'cli-admin']);
    expect(text).toContain('Topic: cli-admin  partitions: 3  replication factor: 1');
    expect(text).toMatch(/PARTITION\s+LEADER\s+REPLICAS\s+ISR\s+EARLIEST\s+LATEST/);
    expect(text).toMatch(/cleanup\.policy\s+compact\s+topic/);

    expect(await fails(['topics', 'create', 'cli-admin'])).toMatch(/topic "cli-admin" already exists/);
    expect(await ok(['topics', 'delete', 'cli-admin'])).toBe('deleted topic cli-admin\n');
    expect((await ok(['topics', 'list'])).split('\n')).not.toContain('cli-admin');
    expect(await fails(['topics', 'describe', 'cli-admin'])).toMatch(
      /topic "cli-admin" does not exist.*tributary topics list/,
    );
    expect(await fails(['topics', 'delete', 'cli-admin'])).toMatch(/does not exist/);
  });

  it('produces keyed lines with headers from stdin and consumes them back from the beginning', async () => {
    await ok(['topics', 'create', 'cli-roundtrip', '--partitions', '3']);
    const lines = Array.from({ length: 50 }, (_, i) => `key-${i % 7}:value ${i} with: colons`);
    const produced = await ok(
      ['produce', 'cli-roundtrip', '-K', ':', '-H', 'source=cli', '-H', 'trace=t1', '--compression', 'gzip'],
      lines.join('\n') + '\n',
    );
    expect(produced).toBe('50 messages acknowledged by cli-roundtrip\n');

    const out = await ok(['consume', 'cli-roundtrip', '--from-beginning', '--exit-at-end', '--json']);
    const got = out
      .trimEnd()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            partition: number;
            offset: number;
            key: string;
            value: string;
            headers: Record<string, string>;
          },
      );
    expect(got).toHaveLength(50);
    for (const m of got) expect(m.headers).toEqual({ source: 'cli', trace: 't1' });
    // Same key, same partition; within a partition, stdin order.
    const sent = lines.map((l) => ({ key: l.slice(0, l.indexOf(':')), value: l.slice(l.indexOf(':') + 1) }));
    for (const key of new Set(sent.map((s) => s.key))) {
      const mine = got.filter((m) => m.key === key);
      expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
      expect(mine.map((m) => m.value)).toEqual(sent.filter((s) => s.key === key).map((s) => s.value));
    }

    // kcat-style format, one partition, a start offset and a message limit.
    const p0 = got.filter((m) => m.partition === 0);
    const formatted = await ok([
      'consume',
      'cli-roundtrip',
      '-p',
      '0',
      '-o',
      '1',
      '-c',
      '2',
      '--format',
      '%p/%o %k=%v %h',
    ]);
    expect(formatted).toBe(
      p0
        .slice(1, 3)
        .map((m) => `0/${m.offset} ${m.key}=${m.value} source=cli,trace=t1\n`)
        .join(''),
    );

    // A consumer that starts at the end with --exit-at-end prints nothing and exits.
    expect(await ok(['consume', 'cli-roundtrip', '--exit-at-end'])).toBe('');
    // --timeout-ms ends a consumer that is waiting for new messages.
    expect(await ok(['consume', 'cli-roundtrip', '--timeout-ms', '300'])).toBe('');
  });

  it('reports failures as one clear line with a non-zero exit', async () => {
    const closedPort = await freePort();
    const r = await runCmd(process.execPath, [
      builtCliPath(),
      'topics',
      'list',
      '--bootstrap',
      `127.0.0.1:${closedPort}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `tributary: topics list: cannot connect to 127.0.0.1:${closedPort} (connect ECONNREFUSED 127.0.0.1:${closedPort}): is the broker running? start it with \`tributary start\`\n`,
    );

    expect(await fails(['produce', 'x', '--acks', '2', '--value', 'v'])).toMatch(
      /--acks expects -1, 0 or 1, got "2"/,
    );
    expect(await fails(['topics', 'create', 'x', '--partitions', 'many'])).toMatch(
      /--partitions expects a whole number/,
    );
    expect(await fails(['consume', 'no-such-topic', '--exit-at-end'])).toMatch(
      /topic "no-such-topic" does not exist/,
    );
    expect(await fails(['consume', 'x', '--format', '%q'])).toMatch(/unknown token "%q"/);
    expect(await fails(['topics', 'list', '--bootstrap', 'nonsense'])).toMatch(
      /--bootstrap expects host:port/,
    );
  });

  describe('consumer groups', () => {
    let kafka: Kafka;
    let member: Consumer | null = null;

    beforeAll(() => {
      kafka = new Kafka({
        clientId: 'lag-test-client',
        brokers: [broker.bootstrap],
        logLevel: logLevel.NOTHING,
      });
    });
    afterAll(async () => {
      await member?.disconnect().catch(() => undefined);
    });

    it('consumes part of a topic in a group, then describes the group with committed offsets and lag', async () => {
      await ok(['topics', 'create', 'cli-lag', '--partitions', '1']);
      const values = Array.from({ length: 10 }, (_, i) => `m${i}`);
      await ok(['produce', 'cli-lag'], values.join('\n') + '\n');

      const consumed = await ok([
        'consume',
        'cli-lag',
        '--group',
        'cli-lag-group',
        '--from-beginning',
        '--max-messages',
        '4',
      ]);
      expect(consumed).toBe(
        values
          .slice(0, 4)
          .map((v) => `${v}\n`)
          .join(''),
      );

      const report = JSON.parse(await ok(['groups', 'describe', 'cli-lag-group', '--json'])) as {
        state: string;
        members: unknown[];
        partitions: {
          topic: string;
          partition: number;
          committed: number;
          logEndOffset: number;
          lag: number;
        }[];
        totalLag: number;
      };
      expect(report.state).toBe('Empty');
      expect(report.members).toEqual([]);
      expect(report.partitions).toEqual([
        { topic: 'cli-lag', partition: 0, committed: 4, logEndOffset: 10, lag: 6, memberId: null },
      ]);
      expect(report.totalLag).toBe(6);
      const text = await ok(['groups', 'describe', 'cli-lag-group']);
      expect(text).toMatch(/cli-lag\s+0\s+4\s+10\s+6/);
      expect(text).toContain('Total lag: 6');
      expect(await ok(['groups', 'list'])).toMatch(/cli-lag-group\s+Empty\s+consumer\s+0/);

      // The same group resumes where it committed; --exit-at-end stops at the end seen at start.
      expect(await ok(['consume', 'cli-lag', '--group', 'cli-lag-group', '--exit-at-end'])).toBe(
        values
          .slice(4)
          .map((v) => `${v}\n`)
          .join(''),
      );
      const after = JSON.parse(await ok(['groups', 'describe', 'cli-lag-group', '--json'])) as {
        totalLag: number;
      };
      expect(after.totalLag).toBe(0);

      // --timeout-ms counts idle time only once the member has its assignment, so a slow join does not end it early.
      expect(
        await ok([
          'consume',
          'cli-lag',
          '--group',
          'cli-lag-idle',
          '--from-beginning',
          '--timeout-ms',
          '500',
        ]),
      ).toBe(values.map((v) => `${v}\n`).join(''));
    });

    it('shows a live member with its client id, host and decoded assignment', async () => {
      await ok(['topics', 'create', 'cli-live', '--partitions', '2']);
      await ok(['produce', 'cli-live', '--partition', '0'], '1\n2\n');
      await ok(['produce', 'cli-live', '--partition', '1'], '3\n4\n');
      member = kafka.consumer({ groupId: 'cli-live-group' });
      await member.connect();
      await member.subscribe({ topic: 'cli-live', fromBeginning: true });
      let seen = 0;
      let resolveSeen!: () => void;
      const allSeen = new Promise<void>((r) => (resolveSeen = r));
      await member.run({
        autoCommit: false,
        eachMessage: async () => {
          if (++seen === 4) resolveSeen();
        },
      });
      await allSeen;
      const ends = JSON.parse(await ok(['topics', 'describe', 'cli-live', '--json'])) as {
        partitions: { partition: number; latest: number }[];
      };
      // Commit partition 0 fully and partition 1 one short of its end: lag 1 there.
      const end = (p: number): number => ends.partitions.find((x) => x.partition === p)!.latest;
      await member.commitOffsets([
        { topic: 'cli-live', partition: 0, offset: String(end(0)) },
        { topic: 'cli-live', partition: 1, offset: String(end(1) - 1) },
      ]);

      const report = JSON.parse(await ok(['groups', 'describe', 'cli-live-group', '--json'])) as {
        state: string;
        protocolType: string;
        members: { memberId: string; clientId: string; host: string; assignment: Record<string, number[]> }[];
        partitions: { committed: number; lag: number; memberId: string }[];
        totalLag: number;
      };
      expect(report.state).toBe('Stable');
      expect(report.protocolType).toBe('consumer');
      expect(report.members).toHaveLength(1);
      expect(report.members[0]!.clientId).toBe('lag-test-client');
      expect(report.members[0]!.host).toMatch(/127\.0\.0\.1/);
      expect(report.members[0]!.assignment).toEqual({ 'cli-live': [0, 1] });
      const memberId = report.members[0]!.memberId;
      expect(report.partitions).toEqual([
        { topic: 'cli-live', partition: 0, committed: end(0), logEndOffset: end(0), lag: 0, memberId },
        { topic: 'cli-live', partition: 1, committed: end(1) - 1, logEndOffset: end(1), lag: 1, memberId },
      ]);
      expect(report.totalLag).toBe(1);
      const text = await ok(['groups', 'describe', 'cli-live-group']);
      expect(text).toMatch(/Group: cli-live-group\s+state: Stable\s+protocol: consumer\/\S+\s+members: 1/);
      expect(text).toMatch(/lag-test-client\s+\S*127\.0\.0\.1\S*\s+cli-live:0,1/);
      expect(text).toContain('Total lag: 1');
    });
  });
});
