import { GroupMemberProcess, waitUntil } from './group-member-process';

/** A stand-in member: a node one-liner printing member-protocol lines, then idling until killed or told to stop. */
function fakeMember(lines: object[], opts: { exitAfter?: boolean } = {}): GroupMemberProcess {
  const script = `
    for (const l of ${JSON.stringify(lines)}) process.stdout.write(JSON.stringify(l) + '\\n');
    process.stdout.write('not json\\n');
    process.stderr.write('some log line\\n');
    process.on('SIGTERM', () => { process.stdout.write('{"event":"closed"}\\n'); process.exit(0); });
    ${opts.exitAfter ? 'process.exit(0);' : 'setInterval(() => undefined, 1000);'}
  `;
  return new GroupMemberProcess({ name: 'fake', cmd: process.execPath, args: ['-e', script] });
}

describe('GroupMemberProcess', () => {
  it('tracks assignment, messages and commits from member-protocol lines and ignores other output', async () => {
    const m = fakeMember([
      { event: 'assignment', partitions: [3, 1] },
      { event: 'message', partition: 1, offset: 0, key: 'k', value: 'v' },
      { event: 'committed', offsets: { '1': 1 } },
      { event: 'assignment', partitions: [] },
      { event: 'assignment', partitions: [5, 2] },
      { event: 'error', message: 'boom' },
    ]);
    await m.waitFor(() => m.errors().length > 0, 'the error event');
    expect(m.partitions()).toEqual([2, 5]);
    expect(m.messages()).toEqual([{ event: 'message', partition: 1, offset: 0, key: 'k', value: 'v' }]);
    expect([...m.committed()]).toEqual([[1, 1]]);
    expect(m.errors()).toEqual(['boom']);
    await m.stop();
    // Once stopped, everything it printed has been read.
    expect(m.log()).toContain('[stderr] some log line');
    expect(m.alive()).toBe(false);
    expect(m.events.at(-1)).toEqual({ event: 'closed' });
  });

  it('kill9 ends the process without giving it a chance to report anything', async () => {
    const m = fakeMember([{ event: 'assignment', partitions: [0] }]);
    await m.waitFor(() => m.partitions().length === 1, 'the assignment');
    await m.kill9();
    expect(m.alive()).toBe(false);
    expect(m.log()).toContain('killed by SIGKILL');
    expect(m.events.some((e) => e.event === 'closed')).toBe(false);
  });

  it('exit() waits for a member that stops on its own', async () => {
    const m = fakeMember([{ event: 'closed' }], { exitAfter: true });
    await m.exit();
    expect(m.log()).toContain('exited with code 0');
  });

  it('uses a custom line parser for members that do not speak the protocol', async () => {
    const m = new GroupMemberProcess({
      name: 'custom',
      cmd: process.execPath,
      args: ['-e', 'console.error("assigned 4"); console.log("{broken json");'],
      parseLine: (line, stream) => {
        if (stream === 'stderr') return [{ event: 'assignment', partitions: [Number(line.split(' ')[1])] }];
        return [{ event: 'message', ...(JSON.parse(line) as object) }] as never;
      },
    });
    await m.exit();
    expect(m.partitions()).toEqual([4]);
    expect(m.errors()).toEqual([expect.stringContaining('unparsable stdout line')]);
  });

  it('a wait that times out names what it waited for and shows the output', async () => {
    const m = fakeMember([]);
    await expect(waitUntil(() => false, 'something that never happens', 300, [m])).rejects.toThrow(
      /timed out after 300 ms waiting for something that never happens\n--- fake \(pid \d+/,
    );
    await m.kill9();
  });

  it('a command that cannot start counts as exited', async () => {
    const m = new GroupMemberProcess({ name: 'missing', cmd: 'no-such-command-here', args: [] });
    await m.exit();
    expect(m.log()).toContain('cannot run no-such-command-here');
  });
});
