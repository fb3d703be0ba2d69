import { randomUUID } from 'node:crypto';
import { logger } from '@tributary/common';
import { ErrorCode } from '@tributary/protocol';
import type { Cancel, Clock } from './clock';
import { CommittedOffsets } from './committed-offsets';
import { Group, Member, type GroupState, type JoinResult, type Protocol, type SyncResult } from './group';
import { GroupLoad } from './group-load';
import { NotCoordinatorError, type GroupStore } from './group-store';
import {
  groupKey,
  groupValue,
  offsetKey,
  offsetValue,
  type StoredGroup,
  type StoredOffset,
  type StoreRecord,
} from './offsets-topic-records';

export interface GroupCoordinatorConfig {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Extra wait when the first members join an empty group, so they land in one rebalance. */
  initialRebalanceDelayMs: number;
  /** Offsets of an empty group expire this long after it became empty (standalone commits: after the commit). */
  offsetsRetentionMs: number;
  maxMetadataBytes: number;
}

/**
 * The highest offset a commit may name for a partition (its log end), Infinity when the partition exists but
 * its log end is not known here, or null if the topic partition does not exist.
 */
export type LogEndLookup = (topic: string, partition: number) => number | null;

export interface JoinInput {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  /** -1 (JoinGroup v0) means "same as the session timeout". */
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+: a member without an id is given one and asked to rejoin with it (KIP-394). */
  requireKnownMemberId: boolean;
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

export interface CommitInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: number;
      committedLeaderEpoch: number;
      committedMetadata: string | null;
    }[];
  }[];
}

export interface CommitResult {
  name: string;
  partitions: { partitionIndex: number; errorCode: number }[];
}

export interface FetchedOffsets {
  name: string;
  partitions: {
    partitionIndex: number;
    committedOffset: number;
    committedLeaderEpoch: number;
    metadata: string | null;
    errorCode: number;
  }[];
}

export interface GroupDescription {
  errorCode: number;
  groupId: string;
  groupState: GroupState;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }[];
}

const EMPTY = Buffer.alloc(0);

function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: [] };
}

/** How far this coordinator is with a `__consumer_offsets` partition it leads (cluster mode). */
interface PartitionLoadState {
  state: 'loading' | 'loaded';
  token: number;
}

/**
 * Kafka's classic group coordinator for the groups this broker owns: the membership state machine (Empty ->
 * PreparingRebalance -> CompletingRebalance -> Stable), session and rebalance timeouts, and committed offsets.
 * Every mutation of durable state goes through the GroupStore; the in-memory caches are rebuilt by replaying
 * it. A single node replays every partition at startup (`replay` + `finishLoad`) and owns every group. In a
 * cluster, groups follow the leadership of their `__consumer_offsets` partition: `beginPartitionLoad` +
 * `completePartitionLoad` when this broker starts leading one, `unloadPartition` when it stops; `groupStatus`
 * tells handlers whether a group is served here. All methods run on the event loop, so no locking is needed.
 */
export class GroupCoordinator {
  private readonly log = logger('groups');
  private readonly groups = new Map<string, Group>();
  private readonly offsets = new CommittedOffsets();
  /** Single-node startup load, fed by `replay` until `finishLoad`. */
  private startupLoad: GroupLoad | null = new GroupLoad(null, 0);
  /** Single node: every group is ours once the startup load finished. */
  private ownsAll = false;
  /** Cluster: the offsets partitions this broker leads, loading or loaded. */
  private readonly partitionLoads = new Map<number, PartitionLoadState>();
  private nextLoadToken = 1;
  private cancelRetention: Cancel | null = null;
  private closed = false;

  constructor(
    private readonly config: GroupCoordinatorConfig,
    private readonly clock: Clock,
    private readonly store: GroupStore,
    private readonly logEnd: LogEndLookup,
  ) {}

  // ---------------------------------------------------------------- loading

  /** Single-node startup: applies one `__consumer_offsets` record (later records win; null deletes). */
  replay(key: Buffer, value: Buffer | null): void {
    (this.startupLoad ??= new GroupLoad(null, 0)).replay(key, value);
  }

  /** Single-node startup: installs every replayed group and offset; this coordinator then owns every group. */
  finishLoad(): void {
    const load = this.startupLoad ?? new GroupLoad(null, 0);
    this.startupLoad = null;
    this.install(load);
    this.ownsAll = true;
    this.log.info(
      { groups: this.groups.size },
      `loaded ${this.groups.size} consumer groups from the offsets topic`,
    );
  }

  /**
   * Cluster: this broker now leads offsets partition `partition`. Whatever an earlier leadership left is
   * dropped; until `completePartitionLoad` its groups answer COORDINATOR_LOAD_IN_PROGRESS. Feed the partition's
   * records to the returned load.
   */
  beginPartitionLoad(partition: number): GroupLoad {
    this.unloadPartition(partition);
    const load = new GroupLoad(partition, this.nextLoadToken++);
    this.partitionLoads.set(partition, { state: 'loading', token: load.token });
    return load;
  }

  /**
   * Cluster: installs a finished load and starts serving its groups. False (and nothing installed) when the
   * partition was unloaded or loaded again meanwhile.
   */
  completePartitionLoad(load: GroupLoad): boolean {
    if (load.partition === null)
      throw new Error('completePartitionLoad takes a partition load; use finishLoad');
    if (!this.isLoading(load)) return false;
    const before = this.groups.size;
    this.install(load);
    this.partitionLoads.set(load.partition, { state: 'loaded', token: load.token });
    this.log.info(
      { partition: load.partition, groups: this.groups.size - before, records: load.records },
      `now coordinating the groups of offsets partition ${load.partition}`,
    );
    return true;
  }

  /**
   * Cluster: this broker no longer leads offsets partition `partition`. Its groups and offsets are dropped
   * (no records are written: the new leader owns them now); members waiting in JoinGroup or SyncGroup get
   * NOT_COORDINATOR and find the new coordinator.
   */
  unloadPartition(partition: number): void {
    const had = this.partitionLoads.delete(partition);
    let dropped = 0;
    for (const group of [...this.groups.values()]) {
      if (this.store.partitionFor(group.groupId) !== partition) continue;
      this.dropGroup(group);
      dropped++;
    }
    for (const id of this.offsets.groups())
      if (this.store.partitionFor(id) === partition) this.offsets.deleteGroup(id);
    if (had)
      this.log.info({ partition, groups: dropped }, `stopped coordinating offsets partition ${partition}`);
  }

  /** The load is still the one its partition waits for (not unloaded or loaded again since it began). */
  isLoading(load: GroupLoad): boolean {
    if (load.partition === null) return false;
    const current = this.partitionLoads.get(load.partition);
    return current?.state === 'loading' && current.token === load.token;
  }

  /** Whether `groupId` is served here: NONE, COORDINATOR_LOAD_IN_PROGRESS (being loaded) or NOT_COORDINATOR. */
  groupStatus(groupId: string): ErrorCode {
    if (this.ownsAll) return ErrorCode.NONE;
    const s = this.partitionLoads.get(this.store.partitionFor(groupId));
    if (s === undefined) return ErrorCode.NOT_COORDINATOR;
    return s.state === 'loading' ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
  }

  /** True while any offsets partition is being loaded (ListGroups cannot give a complete answer). */
  get loading(): boolean {
    for (const s of this.partitionLoads.values()) if (s.state === 'loading') return true;
    return false;
  }

  /**
   * Identifies the leadership a group is served under, so a store write that completes after its partition was
   * unloaded (or reloaded) does not touch the caches of another leadership.
   */
  private servingToken(groupId: string): number {
    if (this.ownsAll) return 0;
    return this.partitionLoads.get(this.store.partitionFor(groupId))?.token ?? -1;
  }

  /** Turns replayed records into groups and offsets: members of a stable group keep their ids and must heartbeat again. */
  private install(load: GroupLoad): void {
    const now = this.clock.now();
    for (const [id, g] of load.groups) {
      const group = new Group(id, g.stateTimestamp);
      group.generationId = g.generationId;
      group.protocolType = g.protocolType;
      group.protocolName = g.protocolName;
      for (const sm of g.members) {
        const m = new Member(
          sm.memberId,
          sm.groupInstanceId,
          sm.clientId,
          sm.clientHost,
          sm.sessionTimeoutMs,
          sm.rebalanceTimeoutMs,
          g.protocolType ?? '',
          [{ name: g.protocolName ?? '', metadata: Buffer.from(sm.subscription, 'base64') }],
        );
        m.assignment = Buffer.from(sm.assignment, 'base64');
        group.members.set(m.memberId, m);
        if (m.groupInstanceId !== null) group.staticMembers.set(m.groupInstanceId, m.memberId);
      }
      if (group.members.size > 0 && g.protocolName !== null) {
        group.leaderId =
          g.leaderId !== null && group.members.has(g.leaderId) ? g.leaderId : [...group.members.keys()][0]!;
        group.transition('Stable', now);
        for (const m of group.members.values()) this.scheduleSession(group, m);
      } else {
        group.members.clear();
        group.staticMembers.clear();
      }
      this.groups.set(id, group);
    }
    const withOffsets = load.offsets.groups();
    this.offsets.takeAll(load.offsets);
    // Groups known only by their committed offsets (standalone consumers, or group records compacted away).
    for (const id of withOffsets) if (!this.groups.has(id)) this.groups.set(id, new Group(id, now));
  }

  /** Forgets a group whose partition moved away; whoever waits on it is told to find the new coordinator. */
  private dropGroup(group: Group): void {
    this.cancelTimers(group);
    group.pending.clear();
    for (const m of group.members.values()) {
      const jw = m.joinWaiter;
      const sw = m.syncWaiter;
      m.joinWaiter = null;
      m.syncWaiter = null;
      jw?.(joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
      sw?.({ errorCode: ErrorCode.NOT_COORDINATOR, assignment: EMPTY });
    }
    // Dead: callbacks still in flight for it (a store write finishing) find nothing to do.
    group.transition('Dead', this.clock.now());
    this.groups.delete(group.groupId);
  }

  /** Runs offset retention every `intervalMs` until close(). */
  startRetention(intervalMs: number): void {
    const tick = (): void => {
      if (this.closed) return;
      this.cancelRetention = this.clock.schedule(intervalMs, () => {
        this.expireOffsets()
          .catch((e: unknown) =>
            this.log.error({ err: e }, 'offset retention failed; will retry at the next check'),
          )
          .finally(tick);
      });
    };
    tick();
  }

  /** Cancels every timer (broker shutdown). */
  close(): void {
    this.closed = true;
    this.cancelRetention?.();
    this.cancelRetention = null;
    for (const g of this.groups.values()) this.cancelTimers(g);
  }

  /** Nest calls this on shutdown. */
  onApplicationShutdown(): void {
    this.close();
  }

  // ---------------------------------------------------------------- membership

  join(req: JoinInput): Promise<JoinResult> | JoinResult {
    if (req.groupId === '') return joinError(req.memberId, ErrorCode.INVALID_GROUP_ID);
    if (
      req.sessionTimeoutMs < this.config.minSessionTimeoutMs ||
      req.sessionTimeoutMs > this.config.maxSessionTimeoutMs
    ) {
      return joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const rebalanceTimeoutMs = req.rebalanceTimeoutMs < 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs;
    const input = { ...req, rebalanceTimeoutMs };
    let group = this.groups.get(req.groupId);
    if (req.memberId === '') {
      if (!group) {
        group = new Group(req.groupId, this.clock.now());
        this.groups.set(req.groupId, group);
      }
      return this.joinUnknown(group, input);
    }
    if (!group) return joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    return this.joinKnown(group, input);
  }

  private joinUnknown(group: Group, req: JoinInput): Promise<JoinResult> | JoinResult {
    if (!group.supportsProtocols(req.protocolType, req.protocols))
      return joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const newId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
    const oldId = req.groupInstanceId !== null ? group.staticMembers.get(req.groupInstanceId) : undefined;
    if (oldId !== undefined) return this.replaceStaticMember(group, oldId, newId, req);
    if (req.requireKnownMemberId && req.groupInstanceId === null) {
      group.pending.set(
        newId,
        this.clock.schedule(req.sessionTimeoutMs, () => this.expirePending(group, newId)),
      );
      return joinError(newId, ErrorCode.MEMBER_ID_REQUIRED);
    }
    return this.addMemberAndRebalance(group, newId, req);
  }

  private joinKnown(group: Group, req: JoinInput): Promise<JoinResult> | JoinResult {
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      return joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const pendingExpiry = group.pending.get(req.memberId);
    if (pendingExpiry !== undefined && req.groupInstanceId === null) {
      pendingExpiry();
      group.pending.delete(req.memberId);
      return this.addMemberAndRebalance(group, req.memberId, req);
    }
    if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId))
      return joinError(req.memberId, ErrorCode.FENCED_INSTANCE_ID);
    const member = group.members.get(req.memberId);
    if (!member || (req.groupInstanceId !== null && !group.staticMembers.has(req.groupInstanceId))) {
      return joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    }
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req);
      case 'CompletingRebalance':
        // A member that lost its JoinGroup response rejoins unchanged: answer with the current generation.
        if (member.matches(req.protocols))
          return this.currentGeneration(group, member, group.leaderId === member.memberId);
        return this.updateMemberAndRebalance(group, member, req);
      case 'Stable':
        // The leader rejoining forces a rebalance (it saw a metadata change); so does changed member metadata.
        if (group.leaderId === member.memberId || !member.matches(req.protocols))
          return this.updateMemberAndRebalance(group, member, req);
        return this.currentGeneration(group, member, false);
      default:
        return joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  private currentGeneration(
    group: Group,
    member: Member,
    withMembers: boolean,
    leader = group.leaderId,
  ): JoinResult {
    this.scheduleSession(group, member);
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolName: group.protocolName ?? '',
      leader: leader ?? '',
      memberId: member.memberId,
      members: withMembers ? this.memberList(group) : [],
    };
  }

  private memberList(group: Group): JoinResult['members'] {
    const protocol = group.protocolName ?? '';
    return [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadataFor(protocol),
    }));
  }

  private replaceStaticMember(
    group: Group,
    oldId: string,
    newId: string,
    req: JoinInput,
  ): Promise<JoinResult> | JoinResult {
    const member = group.members.get(oldId)!;
    const previousLeader = group.leaderId;
    // The old instance is fenced: anything it still waits for is answered now.
    member.joinWaiter?.(joinError(oldId, ErrorCode.FENCED_INSTANCE_ID));
    member.joinWaiter = null;
    member.syncWaiter?.({ errorCode: ErrorCode.FENCED_INSTANCE_ID, assignment: EMPTY });
    member.syncWaiter = null;
    group.members.delete(oldId);
    member.memberId = newId;
    group.members.set(newId, member);
    group.staticMembers.set(req.groupInstanceId!, newId);
    if (group.leaderId === oldId) group.leaderId = newId;
    const unchanged = member.matches(req.protocols);
    this.updateMember(member, req);
    this.log.info(
      { group: group.groupId, instance: req.groupInstanceId, oldId, newId },
      'static member rejoined with a new member id',
    );
    if ((group.state === 'Stable' || group.state === 'CompletingRebalance') && unchanged) {
      // No rebalance for a restarted static member. Report the previous leader id so that a former leader
      // does not compute an assignment that a stable group would never distribute.
      return this.currentGeneration(group, member, false, previousLeader === oldId ? oldId : previousLeader);
    }
    return this.waitForJoin(group, member, () =>
      this.maybePrepareRebalance(group, `static member ${req.groupInstanceId} changed its metadata`),
    );
  }

  private addMemberAndRebalance(group: Group, memberId: string, req: JoinInput): Promise<JoinResult> {
    const m = new Member(
      memberId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.sessionTimeoutMs,
      req.rebalanceTimeoutMs,
      req.protocolType,
      req.protocols,
    );
    if (group.members.size === 0) {
      group.protocolType = req.protocolType;
      group.leaderId = memberId;
    }
    group.members.set(memberId, m);
    if (req.groupInstanceId !== null) group.staticMembers.set(req.groupInstanceId, memberId);
    if (group.state === 'PreparingRebalance' && this.clock.now() < group.initialDelayUntil) {
      // New members arriving during the initial delay extend it, up to the rebalance deadline.
      group.initialDelayUntil = Math.min(
        this.clock.now() + this.config.initialRebalanceDelayMs,
        group.rebalanceDeadline,
      );
      this.scheduleRebalanceCheck(group);
    }
    this.scheduleSession(group, m);
    return this.waitForJoin(group, m, () => this.maybePrepareRebalance(group, `member ${memberId} joined`));
  }

  private updateMemberAndRebalance(group: Group, member: Member, req: JoinInput): Promise<JoinResult> {
    this.updateMember(member, req);
    return this.waitForJoin(group, member, () =>
      this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`),
    );
  }

  private updateMember(member: Member, req: JoinInput): void {
    member.protocols = req.protocols;
    member.protocolType = req.protocolType;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
  }

  /** Parks the member's JoinGroup until the rebalance completes, then starts/advances the rebalance. */
  private waitForJoin(group: Group, member: Member, trigger: () => void): Promise<JoinResult> {
    const result = new Promise<JoinResult>((resolve) => {
      // A second JoinGroup from the same member replaces the first; the first learns it is stale.
      member.joinWaiter?.(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
      member.joinWaiter = resolve;
    });
    trigger();
    this.tryCompleteJoin(group);
    return result;
  }

  private maybePrepareRebalance(group: Group, reason: string): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty')
      this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: Group, reason: string): void {
    if (group.state === 'CompletingRebalance') this.failPendingSyncs(group, ErrorCode.REBALANCE_IN_PROGRESS);
    const wasEmpty = group.state === 'Empty';
    const now = this.clock.now();
    group.transition('PreparingRebalance', now);
    group.rebalanceDeadline = now + group.maxRebalanceTimeoutMs();
    group.initialDelayUntil =
      wasEmpty && this.config.initialRebalanceDelayMs > 0
        ? Math.min(now + this.config.initialRebalanceDelayMs, group.rebalanceDeadline)
        : 0;
    this.log.info({ group: group.groupId, generation: group.generationId, reason }, 'preparing to rebalance');
    this.scheduleRebalanceCheck(group);
  }

  private failPendingSyncs(group: Group, errorCode: number): void {
    for (const m of group.members.values()) {
      m.assignment = EMPTY;
      const w = m.syncWaiter;
      m.syncWaiter = null;
      w?.({ errorCode, assignment: EMPTY });
    }
  }

  private scheduleRebalanceCheck(group: Group): void {
    group.cancelRebalanceTimer?.();
    const now = this.clock.now();
    const wakeAt = group.initialDelayUntil > now ? group.initialDelayUntil : group.rebalanceDeadline;
    group.cancelRebalanceTimer = this.clock.schedule(wakeAt - now, () => {
      group.cancelRebalanceTimer = null;
      if (group.state !== 'PreparingRebalance') return;
      if (this.clock.now() >= group.rebalanceDeadline) this.completeJoin(group);
      else if (!this.tryCompleteJoin(group)) this.scheduleRebalanceCheck(group);
    });
  }

  private tryCompleteJoin(group: Group): boolean {
    if (group.state !== 'PreparingRebalance') return false;
    if (this.clock.now() < group.initialDelayUntil || !group.allJoined()) return false;
    this.completeJoin(group);
    return true;
  }

  /** Ends the join phase: members that did not rejoin are dropped, the generation advances, joiners are answered. */
  private completeJoin(group: Group): void {
    group.cancelRebalanceTimer?.();
    group.cancelRebalanceTimer = null;
    for (const m of [...group.members.values()]) {
      if (m.joinWaiter === null) {
        this.log.info(
          { group: group.groupId, member: m.memberId },
          'member did not rejoin within the rebalance timeout; removing it',
        );
        this.removeMember(group, m);
      }
    }
    const now = this.clock.now();
    group.generationId++;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.leaderId = null;
      group.transition('Empty', now);
      this.persistGroup(group).catch((e: unknown) =>
        this.log.error({ err: e, group: group.groupId }, 'could not store group metadata'),
      );
      return;
    }
    group.protocolName = group.selectProtocol();
    if (group.leaderId === null || !group.members.has(group.leaderId))
      group.leaderId = [...group.members.keys()][0]!;
    group.transition('CompletingRebalance', now);
    this.log.info(
      {
        group: group.groupId,
        generation: group.generationId,
        protocol: group.protocolName,
        members: group.members.size,
      },
      'rebalance: join phase complete',
    );
    const everyone = this.memberList(group);
    for (const m of group.members.values()) {
      const w = m.joinWaiter!;
      m.joinWaiter = null;
      this.scheduleSession(group, m);
      w({
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolName: group.protocolName,
        leader: group.leaderId,
        memberId: m.memberId,
        members: m.memberId === group.leaderId ? everyone : [],
      });
    }
  }

  sync(
    groupId: string,
    generationId: number,
    memberId: string,
    groupInstanceId: string | null,
    assignments: { memberId: string; assignment: Buffer }[],
  ): Promise<SyncResult> | SyncResult {
    const fail = (errorCode: number): SyncResult => ({ errorCode, assignment: EMPTY });
    const group = this.groups.get(groupId);
    if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.isStaticMemberFenced(memberId, groupInstanceId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
    const member = group.members.get(memberId);
    if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    switch (group.state) {
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.scheduleSession(group, member);
        return { errorCode: ErrorCode.NONE, assignment: member.assignment };
      case 'CompletingRebalance':
        break;
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    this.scheduleSession(group, member);
    const result = new Promise<SyncResult>((resolve) => {
      member.syncWaiter?.(fail(ErrorCode.REBALANCE_IN_PROGRESS));
      member.syncWaiter = resolve;
    });
    if (memberId === group.leaderId) {
      const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
      for (const m of group.members.values()) m.assignment = given.get(m.memberId) ?? EMPTY;
      const generation = group.generationId;
      this.persistGroup(group).then(
        () => {
          if (group.state !== 'CompletingRebalance' || group.generationId !== generation) return;
          group.transition('Stable', this.clock.now());
          this.log.info({ group: group.groupId, generation }, 'rebalance complete: group is stable');
          for (const m of group.members.values()) {
            const w = m.syncWaiter;
            m.syncWaiter = null;
            w?.({ errorCode: ErrorCode.NONE, assignment: m.assignment });
          }
        },
        (e: unknown) => {
          this.log.error(
            { err: e, group: groupId },
            'could not store the group assignment; members must rejoin',
          );
          if (group.state !== 'CompletingRebalance' || group.generationId !== generation) return;
          this.failPendingSyncs(group, storeErrorCode(e));
          this.prepareRebalance(group, 'storing the assignment failed');
        },
      );
    }
    return result;
  }

  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.isStaticMemberFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(memberId);
    if (!member || group.state === 'Empty') return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.scheduleSession(group, member);
    return group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(
    groupId: string,
    leaving: MemberIdentity[],
  ): { errorCode: number; members: (MemberIdentity & { errorCode: number })[] } {
    const group = this.groups.get(groupId);
    if (!group) {
      return {
        errorCode: ErrorCode.NONE,
        members: leaving.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
      };
    }
    let removed = false;
    const members = leaving.map((who) => {
      const code = this.leaveOne(group, who);
      if (code === ErrorCode.NONE) removed = true;
      return { ...who, errorCode: code };
    });
    if (removed) this.afterMemberRemoved(group, 'member left the group');
    return { errorCode: ErrorCode.NONE, members };
  }

  private leaveOne(group: Group, who: MemberIdentity): number {
    let memberId = who.memberId;
    if (who.groupInstanceId !== null) {
      const current = group.staticMembers.get(who.groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== '' && memberId !== current) return ErrorCode.FENCED_INSTANCE_ID;
      memberId = current;
    }
    const pending = group.pending.get(memberId);
    if (pending !== undefined) {
      pending();
      group.pending.delete(memberId);
      this.tryCompleteJoin(group);
      return ErrorCode.NONE;
    }
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.log.info({ group: group.groupId, member: memberId }, 'member left the group');
    this.removeMember(group, member);
    return ErrorCode.NONE;
  }

  private removeMember(group: Group, member: Member): void {
    member.cancelSession?.();
    member.cancelSession = null;
    group.members.delete(member.memberId);
    if (
      member.groupInstanceId !== null &&
      group.staticMembers.get(member.groupInstanceId) === member.memberId
    ) {
      group.staticMembers.delete(member.groupInstanceId);
    }
    const jw = member.joinWaiter;
    const sw = member.syncWaiter;
    member.joinWaiter = null;
    member.syncWaiter = null;
    jw?.(joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    sw?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    if (group.leaderId === member.memberId) {
      const next = [...group.members.values()];
      group.leaderId = (next.find((m) => m.joinWaiter !== null) ?? next[0])?.memberId ?? null;
    }
  }

  private afterMemberRemoved(group: Group, reason: string): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance')
      this.prepareRebalance(group, reason);
    this.tryCompleteJoin(group);
  }

  private scheduleSession(group: Group, member: Member): void {
    member.cancelSession?.();
    member.cancelSession = this.clock.schedule(member.sessionTimeoutMs, () => {
      member.cancelSession = null;
      if (group.members.get(member.memberId) !== member) return;
      // A member parked in JoinGroup or SyncGroup is alive by definition; the rebalance timeout bounds the wait.
      if (member.joinWaiter !== null || member.syncWaiter !== null) {
        this.scheduleSession(group, member);
        return;
      }
      this.log.info(
        { group: group.groupId, member: member.memberId, sessionTimeoutMs: member.sessionTimeoutMs },
        'member session expired (no heartbeat); removing it',
      );
      this.removeMember(group, member);
      this.afterMemberRemoved(group, `member ${member.memberId} session expired`);
    });
  }

  private expirePending(group: Group, memberId: string): void {
    if (!group.pending.delete(memberId)) return;
    this.tryCompleteJoin(group);
  }

  private cancelTimers(group: Group): void {
    group.cancelRebalanceTimer?.();
    group.cancelRebalanceTimer = null;
    for (const cancel of group.pending.values()) cancel();
    for (const m of group.members.values()) {
      m.cancelSession?.();
      m.cancelSession = null;
    }
  }

  // ---------------------------------------------------------------- admin

  describe(groupId: string): GroupDescription {
    const group = this.groups.get(groupId);
    if (!group)
      return {
        errorCode: ErrorCode.NONE,
        groupId,
        groupState: 'Dead',
        protocolType: '',
        protocolData: '',
        members: [],
      };
    const stable = group.state === 'Stable';
    const protocol = group.protocolName ?? '';
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? protocol : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        // Metadata and assignment are only meaningful once the group is stable (as in Kafka).
        memberMetadata: stable ? m.metadataFor(protocol) : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  list(): { groupId: string; protocolType: string }[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '' }));
  }

  async deleteGroups(ids: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    return Promise.all(ids.map(async (groupId) => ({ groupId, errorCode: await this.deleteGroup(groupId) })));
  }

  private async deleteGroup(groupId: string): Promise<number> {
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== 'Empty' || group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    this.cancelTimers(group);
    group.transition('Dead', this.clock.now());
    this.groups.delete(groupId);
    const records = this.offsetTombstones(groupId, () => true);
    records.push({ key: groupKey(groupId), value: null });
    this.offsets.deleteGroup(groupId);
    try {
      await this.store.write(groupId, records);
    } catch (e) {
      this.log.error({ err: e, group: groupId }, 'could not write group tombstones');
      return storeErrorCode(e);
    }
    this.log.info({ group: groupId }, 'group deleted');
    return ErrorCode.NONE;
  }

  // ---------------------------------------------------------------- offsets

  private validateCommit(req: CommitInput): number | null {
    const group = this.groups.get(req.groupId);
    if (!group) return req.generationId < 0 ? null : ErrorCode.ILLEGAL_GENERATION;
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
      const member = group.members.get(req.memberId);
      if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      // The member got its JoinGroup answer but not its assignment yet: it must finish SyncGroup first.
      if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
      this.scheduleSession(group, member);
      return null;
    }
    // A commit without member identity (standalone consumer) is only allowed while no members are active.
    return group.state === 'Empty' ? null : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  async commit(req: CommitInput): Promise<CommitResult[]> {
    const groupError = this.validateCommit(req);
    const now = this.clock.now();
    const results: CommitResult[] = [];
    const accepted: {
      topic: string;
      partition: number;
      value: StoredOffset;
      result: { errorCode: number };
    }[] = [];
    for (const t of req.topics) {
      const out: CommitResult = { name: t.name, partitions: [] };
      results.push(out);
      for (const p of t.partitions) {
        const result = {
          partitionIndex: p.partitionIndex,
          errorCode:
            groupError ?? this.checkOffset(t.name, p.partitionIndex, p.committedOffset, p.committedMetadata),
        };
        out.partitions.push(result);
        if (result.errorCode !== ErrorCode.NONE) continue;
        const value: StoredOffset = {
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata,
          commitTimestamp: now,
        };
        accepted.push({ topic: t.name, partition: p.partitionIndex, value, result });
      }
    }
    if (accepted.length === 0) return results;
    if (!this.groups.has(req.groupId)) this.groups.set(req.groupId, new Group(req.groupId, now));
    const token = this.servingToken(req.groupId);
    try {
      await this.store.write(
        req.groupId,
        accepted.map((a) => ({
          key: offsetKey(req.groupId, a.topic, a.partition),
          value: offsetValue(a.value),
        })),
      );
      // Durable (in the ISR) either way; the cache is only this leadership's. If the partition moved away
      // meanwhile, the new coordinator reads the commit from its log.
      if (this.servingToken(req.groupId) === token)
        for (const a of accepted) this.offsets.set(req.groupId, a.topic, a.partition, a.value);
    } catch (e) {
      this.log.error({ err: e, group: req.groupId }, 'could not store committed offsets');
      for (const a of accepted) a.result.errorCode = storeErrorCode(e);
    }
    return results;
  }

  private checkOffset(topic: string, partition: number, offset: number, metadata: string | null): number {
    const end = this.logEnd(topic, partition);
    if (end === null) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (metadata !== null && Buffer.byteLength(metadata, 'utf8') > this.config.maxMetadataBytes)
      return ErrorCode.OFFSET_METADATA_TOO_LARGE;
    // A committed offset names the next record to consume: anything in [0, log end] is a real position.
    if (offset < 0 || offset > end) return ErrorCode.OFFSET_OUT_OF_RANGE;
    return ErrorCode.NONE;
  }

  /** Committed offsets; `topics` null means every partition the group has committed. Unknown ones read as -1. */
  fetchOffsets(
    groupId: string,
    topics: { name: string; partitionIndexes: number[] }[] | null,
  ): FetchedOffsets[] {
    const byTopic = this.offsets.get(groupId);
    const entry = (
      partitionIndex: number,
      o: StoredOffset | undefined,
    ): FetchedOffsets['partitions'][number] =>
      o
        ? {
            partitionIndex,
            committedOffset: o.offset,
            committedLeaderEpoch: o.leaderEpoch,
            metadata: o.metadata,
            errorCode: ErrorCode.NONE,
          }
        : {
            partitionIndex,
            committedOffset: -1,
            committedLeaderEpoch: -1,
            metadata: '',
            errorCode: ErrorCode.NONE,
          };
    if (topics === null) {
      return [...(byTopic ?? new Map<string, ReadonlyMap<number, StoredOffset>>())].map(([name, parts]) => ({
        name,
        partitions: [...parts].sort((a, b) => a[0] - b[0]).map(([p, o]) => entry(p, o)),
      }));
    }
    return topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => entry(p, byTopic?.get(t.name)?.get(p))),
    }));
  }

  /**
   * Offset retention: offsets of an empty group expire `offsets.retention` after the group became empty
   * (standalone groups, which never had members: after each commit). An empty group left without offsets is
   * removed. Returns the number of offsets expired.
   */
  async expireOffsets(): Promise<number> {
    const now = this.clock.now();
    const retention = this.config.offsetsRetentionMs;
    let expired = 0;
    const writes: Promise<void>[] = [];
    for (const group of [...this.groups.values()]) {
      if (group.state !== 'Empty' || group.pending.size > 0) continue;
      const records = this.offsetTombstones(
        group.groupId,
        (o) =>
          (group.protocolType === null
            ? o.commitTimestamp
            : Math.max(group.stateTimestamp, o.commitTimestamp)) +
            retention <=
          now,
      );
      expired += records.length;
      if (!this.offsets.has(group.groupId)) {
        group.transition('Dead', now);
        this.groups.delete(group.groupId);
        records.push({ key: groupKey(group.groupId), value: null });
      }
      if (records.length > 0) writes.push(this.store.write(group.groupId, records));
    }
    await Promise.all(writes);
    if (expired > 0) this.log.info({ expired }, `expired ${expired} committed offsets of empty groups`);
    return expired;
  }

  /** Tombstones for the group's offsets matching `which`, removed from the cache. */
  private offsetTombstones(groupId: string, which: (o: StoredOffset) => boolean): StoreRecord[] {
    const out: StoreRecord[] = [];
    for (const [topic, parts] of this.offsets.get(groupId) ?? []) {
      for (const [p, o] of parts) {
        if (!which(o)) continue;
        out.push({ key: offsetKey(groupId, topic, p), value: null });
        this.offsets.delete(groupId, topic, p);
      }
    }
    return out;
  }

  private persistGroup(group: Group): Promise<void> {
    const protocol = group.protocolName ?? '';
    const stored: StoredGroup = {
      protocolType: group.protocolType,
      generationId: group.generationId,
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      stateTimestamp: group.stateTimestamp,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        subscription: m.metadataFor(protocol).toString('base64'),
        assignment: m.assignment.toString('base64'),
      })),
    };
    return this.store.write(group.groupId, [{ key: groupKey(group.groupId), value: groupValue(stored) }]);
  }
}

/** What a client is told when a store write failed: find the new coordinator, or retry this one. */
function storeErrorCode(e: unknown): ErrorCode {
  return e instanceof NotCoordinatorError ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE;
}
