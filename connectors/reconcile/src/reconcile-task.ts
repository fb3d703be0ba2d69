import type { OutputRecord, SinkRecord, SinkTask, SinkTaskContext } from '@tributary/connect-sdk';
import type { ReconcileConfig } from './config';
import type { Side } from './key-state';
import { Reconciler, UnreadableRecord } from './reconciler';

const TICK_MS = 1000;
const PARTITION_REFRESH_MS = 30_000;

/**
 * Runs the reconciler as a sink of its two topics. Results and key states are written at each flush, before
 * the framework commits the consumer offsets, so a crash replays records the state may already hold; the
 * state's per-key offsets recognise those, and the results come out as if nothing happened.
 */
export class ReconcileTask implements SinkTask<ReconcileConfig> {
  private ctx: SinkTaskContext<ReconcileConfig> | null = null;
  private engine: Reconciler | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** put, flush and the idle tick run one at a time. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Output drained from the engine but not yet acknowledged: a failed send is retried, never dropped. */
  private unsent: OutputRecord[] = [];
  private partitionsCheckedAt = 0;

  async start(ctx: SinkTaskContext<ReconcileConfig>): Promise<void> {
    this.ctx = ctx;
    const c = ctx.config;
    const reportTopic = c.report.topic ?? `${ctx.connector}.report`;
    const stateTopic = c.state.topic ?? `__reconcile.${ctx.connector}.state`;
    await ctx.topics.ensure(stateTopic, { partitions: 1, compacted: true });
    await ctx.topics.ensure(reportTopic, { partitions: c.report.partitions, compacted: false });
    const engine = new Reconciler(ctx.connector, c, reportTopic, stateTopic, Date.now());
    await ctx.topics.readAll(stateTopic, (r) => engine.restore(r));
    engine.restored();
    this.engine = engine;
    const t = engine.details(Date.now()).totals;
    ctx.log.info({ keys: t.keys, pending: t.pending, stateTopic, reportTopic }, 'reconcile state loaded');
    this.publishMetrics(ctx, engine);
    this.timer = setInterval(() => {
      this.serial(() => this.tick()).catch((e: unknown) =>
        ctx.log.warn({ err: (e as Error).message }, 'reconcile tick failed; retrying at the next one'),
      );
    }, TICK_MS);
    this.timer.unref();
  }

  put(records: readonly SinkRecord[]): Promise<void> {
    return this.serial(async () => {
      const engine = this.running();
      for (const r of records) {
        const side = engine.sideOf(r.topic);
        if (side === null) {
          await this.ctx!.reportErrant(
            r,
            new Error(
              `record from topic "${r.topic}" is neither side (${engine.topicOf('left')}, ${engine.topicOf('right')}); a route transform must not rename the reconciled topics`,
            ),
          );
          continue;
        }
        if (!engine.knowsPartitions(side)) await this.learnPartitions(side);
        try {
          engine.apply(side, r, Date.now());
        } catch (e) {
          if (!(e instanceof UnreadableRecord)) throw e;
          await this.ctx!.reportErrant(r, e);
        }
      }
    });
  }

  flush(): Promise<void> {
    return this.serial(() => this.send());
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Unflushed results are recomputed after a restart from the replayed records; nothing to write here.
    await this.chain.catch(() => undefined);
  }

  status(): Record<string, unknown> {
    return this.engine ? { ...this.engine.details(Date.now()) } : {};
  }

  private running(): Reconciler {
    if (!this.engine) throw new Error('reconcile task used before start');
    return this.engine;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async send(): Promise<void> {
    const engine = this.running();
    this.unsent.push(...engine.drain());
    if (this.unsent.length === 0) return;
    await this.ctx!.topics.send(this.unsent);
    this.unsent = [];
  }

  /** Lets idle partitions stop holding a watermark back, even when no record arrives to trigger it. */
  private async tick(): Promise<void> {
    const engine = this.running();
    const now = Date.now();
    if (now - this.partitionsCheckedAt > PARTITION_REFRESH_MS) {
      this.partitionsCheckedAt = now;
      for (const side of ['left', 'right'] as const) await this.learnPartitions(side).catch(() => undefined);
    }
    engine.advance(now);
    if (engine.pendingOutput > 0 || this.unsent.length > 0) await this.send();
  }

  private async learnPartitions(side: Side): Promise<void> {
    const engine = this.running();
    engine.setPartitions(side, await this.ctx!.topics.partitions(engine.topicOf(side)));
  }

  private publishMetrics(ctx: SinkTaskContext<ReconcileConfig>, engine: Reconciler): void {
    ctx.metrics.gauge({
      name: 'tributary_reconcile_results',
      help: 'Reconciliation results: keys per category (pending, matched, missing_right, missing_left, field_mismatch, late) and events (duplicate, stale)',
      labelNames: ['result'],
      collect: () => {
        const t = engine.details(Date.now()).totals;
        return Object.entries({
          pending: t.pending,
          matched: t.matched,
          missing_right: t.missingRight,
          missing_left: t.missingLeft,
          field_mismatch: t.fieldMismatch,
          duplicate: t.duplicate,
          late: t.late,
          stale: t.stale,
        }).map(([result, value]) => ({ labels: { result }, value }));
      },
    });
    ctx.metrics.gauge({
      name: 'tributary_reconcile_mismatch_ratio',
      help: '(missing_right + missing_left + field_mismatch) / keys with a result',
      labelNames: [],
      collect: () => [{ labels: {}, value: engine.details(Date.now()).rates.mismatchRate }],
    });
    ctx.metrics.gauge({
      name: 'tributary_reconcile_watermark_seconds',
      help: 'Event-time watermark per side, in Unix seconds',
      labelNames: ['side'],
      collect: () => {
        const d = engine.details(Date.now());
        return (['left', 'right'] as const)
          .filter((side) => d[side].watermark !== null)
          .map((side) => ({ labels: { side }, value: Date.parse(d[side].watermark!) / 1000 }));
      },
    });
  }
}
