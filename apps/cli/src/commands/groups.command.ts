import type { Command } from 'commander';
import { AssignerProtocol, type Admin, type GroupDescription } from 'kafkajs';
import { CliError, withClientOptions, type ClientOptions } from '../client/client-options';
import { createKafka } from '../client/kafka-client';
import { onExit, runCommand } from '../client/run-command';
import { formatTable, printJson } from '../client/table';

interface JsonOption extends ClientOptions {
  json?: boolean;
}

/** `tributary groups list|describe`: consumer groups, their members and assignments, committed offsets and lag. */
export function registerGroups(program: Command): void {
  const groups = program.command('groups').description('list and describe consumer groups');

  withClientOptions(groups.command('list').description('groups with their state and member count'))
    .option('--json', 'print JSON')
    .action((opts: JsonOption) => runCommand('groups list', opts, () => listGroups(opts)));

  withClientOptions(
    groups
      .command('describe')
      .argument('<group>')
      .description('state, members, assignments, offsets and lag'),
  )
    .option('--json', 'print JSON')
    .action((group: string, opts: JsonOption) =>
      runCommand(`groups describe ${group}`, opts, () => describeGroup(group, opts)),
    );
}

async function connectAdmin(opts: ClientOptions): Promise<Admin> {
  const admin = createKafka(opts).admin();
  await admin.connect();
  onExit(() => admin.disconnect());
  return admin;
}

async function listGroups(opts: JsonOption): Promise<void> {
  const admin = await connectAdmin(opts);
  const { groups } = await admin.listGroups();
  const ids = groups.map((g) => g.groupId).sort();
  const described = ids.length > 0 ? (await admin.describeGroups(ids)).groups : [];
  const rows = ids.map((id) => {
    const d = described.find((g) => g.groupId === id);
    const overview = groups.find((g) => g.groupId === id)!;
    return {
      group: id,
      protocolType: overview.protocolType,
      state: d?.state ?? 'Unknown',
      members: d?.members.length ?? 0,
    };
  });
  if (opts.json) return printJson(rows);
  process.stdout.write(
    formatTable(
      ['GROUP', 'STATE', 'PROTOCOL-TYPE', 'MEMBERS'],
      rows.map((r) => [r.group, r.state, r.protocolType || '-', r.members]),
    ),
  );
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  host: string;
  /** Topic to partitions, decoded from the consumer protocol assignment; empty for other protocol types. */
  assignment: Record<string, number[]>;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Committed offset, or null when the group has none for this partition. */
  committed: number | null;
  logEndOffset: number;
  /** logEndOffset - committed, or null without a committed offset. */
  lag: number | null;
  memberId: string | null;
}

export interface GroupReport {
  group: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMember[];
  partitions: PartitionLag[];
  totalLag: number;
}

/** The consumer protocol's assignment bytes (version, topic -> partitions, user data); undefined if not decodable. */
function decodeAssignment(protocolType: string, bytes: Buffer): Record<string, number[]> {
  if (protocolType !== 'consumer' || bytes.length === 0) return {};
  try {
    return AssignerProtocol.MemberAssignment.decode(bytes)?.assignment ?? {};
  } catch {
    return {};
  }
}

export async function buildGroupReport(admin: Admin, groupId: string): Promise<GroupReport> {
  const desc: GroupDescription | undefined = (await admin.describeGroups([groupId])).groups.find(
    (g) => g.groupId === groupId,
  );
  if (!desc) throw new CliError(`the broker returned no description for group "${groupId}"`);
  const members: GroupMember[] = desc.members.map((m) => ({
    memberId: m.memberId,
    clientId: m.clientId,
    host: m.clientHost,
    assignment: decodeAssignment(desc.protocolType, m.memberAssignment),
  }));
  const committed = await admin.fetchOffsets({ groupId });
  // Partitions to report: everything assigned plus everything with a committed offset.
  const owner = new Map<string, string>();
  const keys = new Map<string, { topic: string; partition: number }>();
  for (const m of members) {
    for (const [topic, parts] of Object.entries(m.assignment)) {
      for (const p of parts) {
        owner.set(`${topic}/${p}`, m.memberId);
        keys.set(`${topic}/${p}`, { topic, partition: p });
      }
    }
  }
  const committedAt = new Map<string, number>();
  for (const t of committed) {
    for (const p of t.partitions) {
      const o = Number(p.offset);
      if (o < 0) continue;
      committedAt.set(`${t.topic}/${p.partition}`, o);
      keys.set(`${t.topic}/${p.partition}`, { topic: t.topic, partition: p.partition });
    }
  }
  if (desc.state === 'Dead' && members.length === 0 && keys.size === 0) {
    throw new CliError(`consumer group "${groupId}" does not exist; see \`tributary groups list\``);
  }
  const topics = [...new Set([...keys.values()].map((k) => k.topic))].sort();
  const ends = new Map<string, number>();
  for (const topic of topics) {
    for (const o of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${o.partition}`, Number(o.high));
  }
  const partitions: PartitionLag[] = [...keys.entries()]
    .map(([key, { topic, partition }]) => {
      const c = committedAt.get(key) ?? null;
      const end = ends.get(key) ?? 0;
      return {
        topic,
        partition,
        committed: c,
        logEndOffset: end,
        lag: c === null ? null : Math.max(0, end - c),
        memberId: owner.get(key) ?? null,
      };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return {
    group: groupId,
    state: desc.state,
    protocolType: desc.protocolType,
    protocol: desc.protocol,
    members,
    partitions,
    totalLag: partitions.reduce((s, p) => s + (p.lag ?? 0), 0),
  };
}

const assignmentText = (a: Record<string, number[]>): string =>
  Object.entries(a)
    .map(([t, ps]) => `${t}:${[...ps].sort((x, y) => x - y).join(',')}`)
    .join(' ') || '-';

async function describeGroup(groupId: string, opts: JsonOption): Promise<void> {
  const admin = await connectAdmin(opts);
  const r = await buildGroupReport(admin, groupId);
  if (opts.json) return printJson(r);
  const proto = r.protocolType ? `${r.protocolType}${r.protocol ? `/${r.protocol}` : ''}` : '-';
  process.stdout.write(
    `Group: ${r.group}  state: ${r.state}  protocol: ${proto}  members: ${r.members.length}\n\n`,
  );
  if (r.members.length > 0) {
    process.stdout.write(
      formatTable(
        ['MEMBER-ID', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'],
        r.members.map((m) => [m.memberId, m.clientId, m.host, assignmentText(m.assignment)]),
      ),
    );
    process.stdout.write('\n');
  }
  const clientOf = new Map(r.members.map((m) => [m.memberId, m.clientId]));
  process.stdout.write(
    formatTable(
      ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CLIENT-ID'],
      r.partitions.map((p) => [
        p.topic,
        p.partition,
        p.committed ?? '-',
        p.logEndOffset,
        p.lag ?? '-',
        p.memberId === null ? '-' : (clientOf.get(p.memberId) ?? '-'),
      ]),
    ),
  );
  process.stdout.write(`\nTotal lag: ${r.totalLag}\n`);
}
