import {
  ConnectorError,
  RetriableError,
  type SourcePosition,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
  type TaskSignal,
} from '@tributary/connect-sdk';
import { Client, type ClientConfig } from 'pg';
import { LogicalReplicationService } from 'pg-logical-replication';
import { arrayTypes, checkSelect, checkServer, primaryKeys, resolveTables, type TableInfo } from './catalog';
import { ChangeDecoder, HEARTBEAT_PREFIX, RawTextPgoutputPlugin } from './change-decoder';
import type { PostgresSourceConfig } from './config';
import { Envelope } from './envelope';
import { formatLsn, parseLsn } from './lsn';
import { IncrementalSnapshots, type IncrementalProgress } from './incremental-snapshot';
import { classify, slotInUse } from './pg-errors';
import { ensurePublication } from './publication';
import { RecordQueue } from './record-queue';
import { inspectSlot, lostSlotError, slotHealth, type SlotHealth } from './slot';
import { readSnapshot, type SnapshotProgress, type SnapshotStats } from './snapshot';
import { SESSION_OPTIONS, TypeCatalog } from './type-mapping';

/** How long one poll waits for records before returning []. */
const POLL_WAIT_MS = 1000;
const SLOT_HEALTH_EVERY_MS = 5000;
const SLOT_RELEASE_WAIT_MS = 5000;

type Phase = 'starting' | 'snapshot' | 'streaming' | 'idle' | 'stopped';

/** What start() decided: whether to create the slot, snapshot (from where), and stream (from where). */
interface Plan {
  createSlot: 'export' | 'plain' | null;
  /** Drop a lost slot first (when_needed). */
  dropSlot: boolean;
  snapshot: { from: SnapshotProgress; lsn: number | null } | null;
  stream: boolean;
  /** Flush position the stored offsets cover (0: the slot's own confirmed_flush_lsn). */
  startFlush: number;
  resume: { tx: number; seq: number } | null;
  /** An incremental snapshot that was running when the task stopped. */
  incremental: IncrementalProgress | null;
}

/**
 * The Postgres CDC task: optional consistent snapshot, then the pgoutput stream of the slot. Positions live
 * only in the framework's offsets; the slot is confirmed (in `commit`) only up to what those offsets cover.
 */
export class PostgresSourceTask implements SourceTask<PostgresSourceConfig> {
  private ctx!: SourceTaskContext<PostgresSourceConfig>;
  private cfg!: PostgresSourceConfig;
  private client: Client | null = null;
  private service: LogicalReplicationService | null = null;
  private decoder: ChangeDecoder | null = null;
  private envelope!: Envelope;
  private queue!: RecordQueue;
  private readonly types = new TypeCatalog();
  private tables: TableInfo[] = [];
  private isCaptured: (id: string) => boolean = () => false;
  private signalTable: TableInfo | null = null;
  private incremental: IncrementalSnapshots | null = null;
  private phase: Phase = 'starting';
  private failure: Error | null = null;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  /** The flush position last reported to Postgres (never above what stored offsets cover). */
  private confirmedFlush = 0;
  private health: SlotHealth | null = null;
  private readonly snapshotStats: SnapshotStats = {
    table: null,
    rows: {},
    tables_done: 0,
    tables_total: 0,
    estimated_rows: 0,
  };

  async start(ctx: SourceTaskContext<PostgresSourceConfig>): Promise<void> {
    this.ctx = ctx;
    this.cfg = ctx.config;
    this.queue = new RecordQueue(this.cfg['max.queue.size']);
    try {
      await this.prepare();
    } catch (e) {
      await this.closeAll();
      throw classify(e, this.cfg['slot.name'], 'postgres-source start');
    }
  }

  private clientConfig(): ClientConfig {
    return {
      connectionString: this.cfg.connection,
      options: SESSION_OPTIONS,
      application_name: `tributary-${this.cfg['topic.prefix']}`.slice(0, 63),
    };
  }

  private async connect(replication = false): Promise<Client> {
    const client = new Client({
      ...this.clientConfig(),
      ...(replication ? { replication: 'database' } : {}),
    } as ClientConfig);
    client.on('error', (e) => this.fail(e, 'connection'));
    await client.connect();
    return client;
  }

  private async prepare(): Promise<void> {
    const cfg = this.cfg;
    const client = (this.client = await this.connect());
    const onlySnapshot = cfg['snapshot.mode'] === 'initial_only';
    const { user } = await checkServer(client, { needReplication: !onlySnapshot });
    this.tables = await resolveTables(client, cfg.tables);
    this.isCaptured = (
      (ids: Set<string>) => (id: string) =>
        ids.has(id)
    )(new Set(this.tables.map((t) => t.id)));
    await checkSelect(client, this.tables, user);
    if (cfg['signal.table']) {
      [this.signalTable] = await resolveTables(client, [cfg['signal.table']]);
    }
    this.types.addArrayTypes(await arrayTypes(client));
    const db = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db ?? '';
    this.envelope = new Envelope(cfg['topic.prefix'], db);
    this.snapshotStats.tables_total = this.tables.length;
    if (!onlySnapshot) {
      const published = this.signalTable ? [...this.tables, this.signalTable] : this.tables;
      await ensurePublication(client, cfg['publication.name'], cfg['publication.autocreate'], published);
    }
    const plan = await this.plan(client);
    this.ctx.log.info(
      {
        tables: this.tables.map((t) => t.id),
        snapshot: !!plan.snapshot,
        stream: plan.stream,
        slot: cfg['slot.name'],
      },
      'postgres source starting',
    );
    this.running = this.run(plan).catch((e: unknown) => this.fail(e, 'postgres-source'));
  }

  /** Decides from the stored offset and the slot what to do (see the connector description). */
  private async plan(client: Client): Promise<Plan> {
    const cfg = this.cfg;
    const mode = cfg['snapshot.mode'];
    const slotName = cfg['slot.name'];
    const offset = this.ctx.offsetFor(this.envelope.partition);
    const progress = readProgress(offset?.['snapshot']);
    const storedLsn = typeof offset?.['lsn'] === 'number' ? offset['lsn'] : null;
    const fresh: SnapshotProgress = { completed: [], table: null, lastKey: null };
    const base: Plan = {
      createSlot: null,
      dropSlot: false,
      snapshot: null,
      stream: true,
      startFlush: 0,
      resume: null,
      incremental: null,
    };

    if (mode === 'initial_only') {
      // No slot: it would pin WAL forever for a connector that never streams.
      if (offset && !progress) return { ...base, stream: false };
      return {
        ...base,
        stream: false,
        snapshot: { from: progress ?? fresh, lsn: progress ? storedLsn : null },
      };
    }

    let slot = await inspectSlot(client, slotName);
    // A walsender lets go of its slot a moment after its client disconnected (e.g. this task's previous run).
    for (let waited = 0; slot.active && waited < SLOT_RELEASE_WAIT_MS; waited += 200) {
      await new Promise((r) => setTimeout(r, 200));
      slot = await inspectSlot(client, slotName);
    }
    if (slot.active && slot.activePid !== null) throw slotInUse(slotName, slot.activePid);
    let exists = slot.exists;
    let dropSlot = false;
    if (exists && slot.walStatus === 'lost') {
      if (mode !== 'when_needed') throw lostSlotError(slotName);
      dropSlot = true;
      exists = false;
    }
    if (!exists) {
      if (mode === 'never') return { ...base, dropSlot, createSlot: 'plain' };
      if (offset && !progress && mode !== 'when_needed') {
        throw new ConnectorError(
          `replication slot "${slotName}" does not exist, but stored offsets say this connector streamed before: ` +
            `changes made since were lost with the slot. Set snapshot.mode to when_needed to recreate it and ` +
            `re-snapshot, or reset this connector's offsets`,
        );
      }
      // A new slot has a new consistent point: any earlier snapshot progress does not apply to it.
      return { ...base, dropSlot, createSlot: 'export', snapshot: { from: fresh, lsn: null } };
    }
    this.confirmedFlush = slot.confirmedFlush;
    if (!offset) {
      if (mode === 'never') return base;
      // The slot exists but nothing was stored: snapshot in a fresh transaction, then stream from the slot's
      // confirmed position. The snapshot is newer than that position, so replayed changes may be older than
      // the rows read; the latest event per key still equals the table.
      return { ...base, snapshot: { from: fresh, lsn: slot.confirmedFlush } };
    }
    if (progress) return { ...base, snapshot: { from: progress, lsn: storedLsn ?? slot.confirmedFlush } };
    const flush = typeof offset['flush'] === 'number' ? offset['flush'] : 0;
    const tx = offset['tx'];
    const seq = offset['seq'];
    const resume =
      typeof tx === 'number' && typeof seq === 'number' && offset['txEnd'] !== true ? { tx, seq } : null;
    return { ...base, startFlush: flush, resume, incremental: readIncremental(offset['incremental']) };
  }

  private async run(plan: Plan): Promise<void> {
    const cfg = this.cfg;
    const slotName = cfg['slot.name'];
    let repl: Client | null = null;
    let snapshotName: string | null = null;
    let lsn = plan.snapshot?.lsn ?? null;
    try {
      if (plan.dropSlot) {
        this.ctx.log.warn(
          { slot: slotName },
          'dropping the lost replication slot to re-snapshot (snapshot.mode when_needed)',
        );
        await this.client?.query('SELECT pg_drop_replication_slot($1)', [slotName]);
      }
      if (plan.createSlot) {
        repl = await this.connect(true);
        const version = Number(
          (await repl.query('SHOW server_version_num')).rows[0]?.server_version_num ?? 0,
        );
        const kind = plan.createSlot === 'export' ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT';
        const opts =
          version >= 150000 ? `(SNAPSHOT '${plan.createSlot === 'export' ? 'export' : 'nothing'}')` : kind;
        const res = await repl.query<{ consistent_point: string; snapshot_name: string | null }>(
          `CREATE_REPLICATION_SLOT "${slotName}" LOGICAL pgoutput ${opts}`,
        );
        const row = res.rows[0];
        lsn = parseLsn(row?.consistent_point);
        this.confirmedFlush = lsn;
        snapshotName = row?.snapshot_name ?? null;
        this.ctx.log.info(
          { slot: slotName, consistent_point: row?.consistent_point },
          'replication slot created',
        );
      }
      if (plan.snapshot) {
        this.phase = 'snapshot';
        // Keeping `repl` open keeps the exported snapshot importable until the snapshot transaction has it.
        const ok = await this.snapshot(plan.snapshot.from, lsn, snapshotName);
        if (!ok) return;
      }
    } finally {
      await repl?.end().catch(() => undefined);
    }
    if (this.stopped) return;
    if (!plan.stream) {
      this.phase = 'idle';
      return;
    }
    await this.stream(plan);
  }

  private async snapshot(
    from: SnapshotProgress,
    lsn: number | null,
    exported: string | null,
  ): Promise<boolean> {
    const client = await this.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      if (exported) await client.query(`SET TRANSACTION SNAPSHOT '${exported}'`);
      const at =
        lsn ??
        parseLsn((await client.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]?.l);
      const est = await client.query<{ n: string }>(
        'SELECT COALESCE(SUM(GREATEST(reltuples, 0)), 0)::bigint::text AS n FROM pg_class WHERE oid = ANY($1::oid[])',
        [this.tables.map((t) => t.oid)],
      );
      this.snapshotStats.estimated_rows = Number(est.rows[0]?.n ?? 0);
      this.snapshotStats.tables_done = from.completed.length;
      const ok = await readSnapshot({
        client,
        tables: this.tables,
        from,
        lsn: at,
        fetchSize: this.cfg['snapshot.fetch.size'],
        types: this.types,
        envelope: this.envelope,
        stats: this.snapshotStats,
        emit: (r) => this.emit(r),
        stopped: () => this.stopped,
      });
      await client.query('COMMIT');
      return ok;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async stream(plan: Plan): Promise<void> {
    const cfg = this.cfg;
    const slotName = cfg['slot.name'];
    this.confirmedFlush = Math.max(this.confirmedFlush, plan.startFlush);
    const incremental: IncrementalSnapshots = (this.incremental = new IncrementalSnapshots({
      tables: this.tables,
      chunkSize: cfg['incremental.chunk.size'],
      types: this.types,
      envelope: this.envelope,
      client: () => this.client,
      emitLoose: (make, lsn): Promise<void> => decoder.emitLoose(make, lsn),
      log: this.ctx.log,
      resume: plan.incremental,
    }));
    const decoder: ChangeDecoder = (this.decoder = new ChangeDecoder({
      config: cfg,
      envelope: this.envelope,
      types: this.types,
      isCaptured: this.isCaptured,
      signalTable: this.signalTable?.id ?? null,
      primaryKey: async (oid) => {
        const known = this.tables.find((t) => t.oid === oid);
        if (known) return known.pk;
        return (await primaryKeys(this.client!, [oid])).get(oid) ?? [];
      },
      refreshTypes: async () => this.types.addArrayTypes(await arrayTypes(this.client!)),
      emit: (r) => this.emit(r),
      startFlush: plan.startFlush,
      resume: plan.resume,
      hooks: incremental.hooks(),
      progress: () => incremental.progress() as Record<string, unknown> | null,
    }));
    // auto-ack off: the library's periodic ack confirms the last RECEIVED lsn, which would release WAL whose
    // events were never stored. flowControl: the data handler awaits queue space, pausing the socket.
    const service = (this.service = new LogicalReplicationService(this.clientConfig(), {
      acknowledge: { auto: false, timeoutSeconds: 0 },
      flowControl: { enabled: true },
    }));
    service.on('data', (lsn: string, msg) => (this.stopped ? undefined : decoder.handle(lsn, msg)));
    service.on('heartbeat', (_lsn: string, _ts: number, shouldRespond: boolean) => {
      // Answer keepalives with what is confirmed, never with what was received, or wal_sender_timeout ends us.
      if (shouldRespond) this.sendConfirmed();
    });
    service.on('error', (e: unknown) => this.fail(e, 'replication stream'));
    service.on('start', () => {
      this.phase = 'streaming';
      this.sendConfirmed();
      incremental.resume();
    });
    this.phase = 'streaming';
    const plugin = new RawTextPgoutputPlugin({
      protoVersion: 1,
      publicationNames: [cfg['publication.name']],
      messages: true,
    });
    const hb = cfg['heartbeat.interval'];
    if (hb > 0) this.every(hb, () => this.heartbeat());
    this.every(SLOT_HEALTH_EVERY_MS, () => this.checkSlot());
    void this.checkSlot();
    const startAt = plan.startFlush > 0 ? formatLsn(plan.startFlush) : '0/0';
    service
      .subscribe(plugin, slotName, startAt)
      .then(() => {
        if (!this.stopped)
          this.fail(new RetriableError('the replication stream ended'), 'replication stream');
      })
      .catch((e: unknown) => this.fail(e, 'replication stream'));
  }

  /** Reports `confirmedFlush` to Postgres (the library reports lsn + 1, hence the - 1). */
  private sendConfirmed(): void {
    if (!this.service || this.confirmedFlush <= 0) return;
    void this.service.acknowledge(formatLsn(this.confirmedFlush - 1)).catch(() => undefined);
  }

  private async heartbeat(): Promise<void> {
    if (this.phase !== 'streaming' || !this.client) return;
    try {
      await this.client.query('SELECT pg_logical_emit_message(false, $1, $2)', [
        HEARTBEAT_PREFIX,
        String(Date.now()),
      ]);
    } catch (e) {
      this.ctx.log.warn({ err: (e as Error).message }, 'heartbeat message failed');
    }
  }

  private async checkSlot(): Promise<void> {
    if (!this.client || this.stopped) return;
    try {
      this.health = await slotHealth(this.client, this.cfg['slot.name']);
      if (this.health?.wal_status === 'lost') this.fail(lostSlotError(this.cfg['slot.name']), 'slot');
    } catch (e) {
      this.ctx.log.warn({ err: (e as Error).message }, 'slot health query failed');
    }
  }

  private every(ms: number, fn: () => Promise<void>): void {
    let busy = false;
    const t = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      void fn().finally(() => (busy = false));
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private async emit(r: SourceRecord): Promise<void> {
    // After a failure nothing more is queued: pg-logical-replication goes on with the next message when a
    // handler throws, and a record after a skipped one would let the slot be confirmed past it.
    if (this.stopped || this.failure) return;
    this.queue.push(r);
    await this.queue.space();
  }

  private fail(e: unknown, what: string): void {
    if (this.stopped || this.failure) return;
    this.failure = classify(e, this.cfg['slot.name'], what);
    this.ctx.log.error({ err: this.failure.message }, 'postgres source failed');
    this.queue.close();
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    if (this.stopped) return [];
    const out = await this.queue.take(this.cfg['max.batch.size'], POLL_WAIT_MS, [signal, this.ctx.signal]);
    // Records read before a failure are still good; the failure surfaces once they are handed out.
    if (out.length === 0 && this.failure) throw this.failure;
    return out;
  }

  async commit(acked: readonly SourcePosition[]): Promise<void> {
    for (const p of acked) {
      if (p.partition['server'] !== this.cfg['topic.prefix']) continue;
      const flush = p.offset['flush'];
      if (typeof flush === 'number' && flush > this.confirmedFlush) {
        this.confirmedFlush = flush;
        this.sendConfirmed();
      }
    }
  }

  status(): Record<string, unknown> {
    const d = this.decoder?.counters;
    return {
      phase: this.phase,
      snapshot: { ...this.snapshotStats, rows: { ...this.snapshotStats.rows } },
      streaming: {
        events: d?.events ?? 0,
        transactions: d?.transactions ?? 0,
        last_lsn: d?.lastLsn ? formatLsn(d.lastLsn) : null,
        confirmed_lsn: this.confirmedFlush > 0 ? formatLsn(this.confirmedFlush) : null,
      },
      slot: this.health
        ? {
            wal_status: this.health.wal_status,
            retained_wal_bytes: this.health.retained_wal_bytes,
            lag_bytes: this.health.lag_bytes,
          }
        : null,
      ...(this.incremental ? { incremental: this.incremental.status() } : {}),
      ...(this.failure ? { error: this.failure.message } : {}),
    };
  }

  async signal(s: TaskSignal): Promise<Record<string, unknown>> {
    if (s.type !== 'execute-snapshot') {
      throw new ConnectorError(`unknown signal "${s.type}"; postgres-source understands "execute-snapshot"`);
    }
    if (!this.incremental || this.phase !== 'streaming') {
      throw new ConnectorError(
        'an incremental snapshot needs the task to be streaming; try again once it is',
      );
    }
    const data = s.data ?? {};
    const tables = data['tables'] ?? data['data-collections'];
    if (!Array.isArray(tables) || tables.length === 0 || !tables.every((t) => typeof t === 'string')) {
      throw new ConnectorError(
        'execute-snapshot needs data.tables: a non-empty list of "schema.table" names',
      );
    }
    return this.incremental.request(tables as string[]);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.phase = 'stopped';
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.incremental?.stop();
    this.queue?.close();
    // The run may be between the snapshot and the stream: let it settle, then end whatever it opened.
    await this.running;
    await this.service?.destroy().catch(() => undefined);
    await this.closeAll();
  }

  private async closeAll(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}

function readProgress(v: unknown): SnapshotProgress | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const completed = Array.isArray(o['completed'])
    ? o['completed'].filter((x): x is string => typeof x === 'string')
    : [];
  const table = typeof o['table'] === 'string' ? o['table'] : null;
  const lastKey = Array.isArray(o['lastKey']) ? o['lastKey'].map(String) : null;
  return { completed, table, lastKey };
}

function readIncremental(v: unknown): IncrementalProgress | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o['table'] !== 'string') return null;
  return {
    table: o['table'],
    lastKey: Array.isArray(o['lastKey']) ? o['lastKey'].map(String) : null,
    pending: Array.isArray(o['pending'])
      ? o['pending'].filter((x): x is string => typeof x === 'string')
      : [],
  };
}
