import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  builtCliPath,
  describeRun,
  makeTempDir,
  readPartitions,
  repoRoot,
  removeDir,
  runCmd,
  startBroker,
  startConnectWorkerProcess,
  type BrokerHandle,
  type ConnectWorkerHandle,
  type RunResult,
} from '@tributary/testing';
import type { ReconcileDetails, ReportRecord } from '@tributary/connectors/reconcile';
import { parse } from 'yaml';
import { orderScenario, type OrderScenario } from '../../examples/migration/order-scenario';
import { playScenario } from '../../examples/migration/play-order-services';
import { http, kafkaClient, waitFor } from '../connect/connect-http';

/**
 * The migration story end to end: the example's old and new order services (50k orders, seeded faults: rounding
 * errors, a dropped field, missing, late, extra and duplicated orders, updates, slow-but-in-window orders) are
 * produced to ORDER and ORDERNEW on a real broker, and two real connect workers reconcile them: one is
 * SIGKILLed twice mid-run and restarted, the other (its own internal topics and group) runs undisturbed.
 * Both must end with exactly the counts the generator injected, and the same results on their report topics;
 * late orders must be reported missing, then corrected and marked late; nothing else may ever be reported
 * missing or mismatched. LONG=1: 200k orders.
 */

const LONG = process.env['LONG'] === '1';
const ORDERS = LONG ? 200_000 : 50_000;
const SEED = 20_261_123;

jest.setTimeout(LONG ? 1_200_000 : 420_000);

/** The example pipeline's reconcile config, so this spec checks what users run. */
function exampleConfig(): Record<string, unknown> {
  const file = parse(readFileSync(join(repoRoot(), 'examples', 'migration-reconcile.yaml'), 'utf8')) as {
    connectors: { name: string; config: Record<string, unknown> }[];
  };
  return file.connectors.find((c) => c.name === 'orders-recon')!.config;
}

function pipeline(name: string, worker: Record<string, string>): string {
  const config = { ...exampleConfig(), report: { topic: `${name}.report` } };
  return [
    ...(Object.keys(worker).length > 0
      ? ['worker:', ...Object.entries(worker).map(([k, v]) => `  ${k}: ${v}`)]
      : []),
    'connectors:',
    `  - name: ${name}`,
    '    type: reconcile',
    `    config: ${JSON.stringify(config)}`,
    '',
  ].join('\n');
}

async function details(worker: ConnectWorkerHandle, name: string): Promise<ReconcileDetails | null> {
  const r = await http<{ tasks: { details?: ReconcileDetails }[] }>(
    'GET',
    `${worker.url}/connectors/${name}/status`,
  );
  return r.status === 200 ? (r.body.tasks[0]?.details ?? null) : null;
}

const eventsRead = (d: ReconcileDetails | null): number => (d ? d.left.events + d.right.events : 0);

/** Every report record of a topic, in offset order. */
async function reportOf(broker: BrokerHandle, topic: string): Promise<ReportRecord[]> {
  const msgs = await readPartitions(kafkaClient(`127.0.0.1:${broker.port}`), topic, [0]);
  return msgs.map((m) => JSON.parse(m.value!.toString()) as ReportRecord);
}

/** A key's results: its distinct results in first-written order, and the last one (the one that holds). */
interface KeyResults {
  distinct: string[];
  last: string;
  records: ReportRecord[];
}

/**
 * Results per key, duplicates aside. Report records are at-least-once: after a crash, results written before
 * the key's state was saved are written again (possibly with other offsets and times), so a key's history may
 * repeat; what holds is its last record.
 */
function resultsByKey(reports: readonly ReportRecord[]): Map<string, KeyResults> {
  const out = new Map<string, KeyResults>();
  for (const r of reports) {
    if (r.category === 'duplicate') continue;
    const text = `${r.category}${r.late ? ' late' : ''}`;
    let k = out.get(r.key);
    if (!k) out.set(r.key, (k = { distinct: [], last: text, records: [] }));
    if (!k.distinct.includes(text)) k.distinct.push(text);
    k.last = text;
    k.records.push(r);
  }
  return out;
}

describe(`reconcile: old vs new order service, ${ORDERS} orders, kill -9 of the worker mid-run`, () => {
  let broker: BrokerHandle;
  let subject: ConnectWorkerHandle;
  let control: ConnectWorkerHandle;
  let dir: string;
  let scenario: OrderScenario;
  const kills: number[] = [];

  const cli = (args: string[]): Promise<RunResult> =>
    runCmd(process.execPath, [builtCliPath(), 'reconcile', ...args, '--connect', subject.url], {
      timeoutMs: 30_000,
    });

  beforeAll(async () => {
    scenario = orderScenario({ orders: ORDERS, seed: SEED, startMs: Date.UTC(2026, 10, 23, 6) });
    broker = await startBroker();
    dir = makeTempDir('tributary-reconcile-');
    const bootstrap = `127.0.0.1:${broker.port}`;
    writeFileSync(join(dir, 'subject.yaml'), pipeline('orders-recon', {}));
    writeFileSync(
      join(dir, 'control.yaml'),
      pipeline('orders-recon-control', {
        'configs.topic': '_control-configs',
        'offsets.topic': '_control-offsets',
        'status.topic': '_control-status',
        'group.prefix': 'control-',
      }),
    );
    // Topics first, so both workers see every partition from their first fetch.
    await playScenario([bootstrap], { left: [], right: [] }, { partitions: 3 });
    // Every key stays in memory (about 1.2 KB each): 200k keys need more than the default 128 MB heap.
    const env = LONG ? { ...process.env, TRIBUTARY_CONNECT_HEAP_MB: '768' } : undefined;
    subject = await startConnectWorkerProcess({ bootstrap, pipelines: [join(dir, 'subject.yaml')], env });
    control = await startConnectWorkerProcess({ bootstrap, pipelines: [join(dir, 'control.yaml')], env });
    await waitFor(
      'both reconcilers to report',
      async () => [await details(subject, 'orders-recon'), await details(control, 'orders-recon-control')],
      (d) => d.every((x) => x !== null),
      60_000,
    );

    const total = scenario.left.length + scenario.right.length;
    const play = playScenario([bootstrap], scenario);
    // Two kills while the worker is working through the stream (not only before or after it).
    for (const share of [0.3, 0.65]) {
      await waitFor(
        `the worker to have read ${share * 100}% of ${total} events`,
        () => details(subject, 'orders-recon').catch(() => null),
        (d) => eventsRead(d) >= share * total,
        240_000,
        50,
      );
      kills.push(eventsRead(await details(subject, 'orders-recon')));
      await subject.kill9();
      await subject.restart();
    }
    await play;
    const done = (d: ReconcileDetails | null): boolean =>
      d !== null &&
      d.left.events === scenario.left.length &&
      d.right.events === scenario.right.length &&
      d.totals.pending === 0;
    await waitFor(
      'the subject to read everything',
      () => details(subject, 'orders-recon').catch(() => null),
      done,
      300_000,
      500,
    );
    await waitFor(
      'the control to read everything',
      () => details(control, 'orders-recon-control'),
      done,
      120_000,
      500,
    );
  });

  afterAll(async () => {
    await subject?.stop();
    await control?.stop();
    await broker?.stop();
    if (dir) removeDir(dir);
  });

  it('counts exactly the injected faults, with and without the kills', async () => {
    const e = scenario.expected;
    const want = {
      pending: 0,
      matched: e.matched,
      missingRight: e.missingRight,
      missingLeft: e.missingLeft,
      fieldMismatch: e.fieldMismatch,
      duplicate: e.duplicate,
      late: e.late,
      stale: 0,
      keys: e.keys,
    };
    expect(kills).toHaveLength(2);
    for (const d of [
      await details(subject, 'orders-recon'),
      await details(control, 'orders-recon-control'),
    ]) {
      expect(d!.totals).toEqual(want);
      expect(Object.fromEntries(d!.topFields.map((f) => [f.field, f.count]))).toEqual(e.fields);
    }
    // Every fault is present in numbers that make the counts mean something.
    for (const n of [e.missingRight, e.missingLeft, e.fieldMismatch, e.duplicate, e.late])
      expect(n).toBeGreaterThan(10);
  });

  it('reports late orders missing, then corrected and late; nothing else missing or mismatched', async () => {
    const f = scenario.faults;
    for (const topic of ['orders-recon.report', 'orders-recon-control.report']) {
      const byKey = resultsByKey(await reportOf(broker, topic));
      const of = (key: string) => [key, byKey.get(key)?.distinct, byKey.get(key)?.last];
      for (const key of f.late)
        expect(of(key)).toEqual([key, ['missing-right', 'matched late'], 'matched late']);
      for (const key of f.slow) expect(of(key)).toEqual([key, ['matched'], 'matched']);
      for (const key of f.missing) expect(of(key)).toEqual([key, ['missing-right'], 'missing-right']);
      for (const key of f.extra) expect(of(key)).toEqual([key, ['missing-left'], 'missing-left']);
      for (const key of f.rounding) {
        expect(of(key)).toEqual([key, ['field-mismatch'], 'field-mismatch']);
        expect(
          byKey
            .get(key)!
            .records.at(-1)!
            .diff!.map((d) => d.field),
        ).toEqual(['amount']);
      }
      for (const key of f.droppedField) {
        expect(byKey.get(key)!.records.at(-1)!.diff).toEqual([
          { field: 'customer.email', left: expect.any(String) },
        ]);
      }
      // No false positives: every other key was only ever matched.
      const faulty = new Set([...f.late, ...f.missing, ...f.extra, ...f.rounding, ...f.droppedField]);
      const wrong = [...byKey].filter(([k, r]) => !faulty.has(k) && r.distinct.join() !== 'matched');
      expect(wrong.slice(0, 10).map(([k, r]) => [k, r.distinct])).toEqual([]);
      expect(byKey.size).toBe(scenario.expected.keys);
    }
  });

  it('writes one record per result when undisturbed, and the same final results as the killed worker', async () => {
    const control = await reportOf(broker, 'orders-recon-control.report');
    // No crash, no repeats: every revision once, and one duplicate record per injected duplicate.
    expect(new Set(control.map((r) => `${r.key}#${r.revision}`)).size).toBe(control.length);
    expect(control.filter((r) => r.category === 'duplicate')).toHaveLength(scenario.expected.duplicate);
    const a = resultsByKey(await reportOf(broker, 'orders-recon.report'));
    const b = resultsByKey(control);
    const final = (m: Map<string, KeyResults>) =>
      [...m]
        .map(([k, r]) => `${k} ${r.last} ${(r.records.at(-1)!.diff ?? []).map((d) => d.field).join('+')}`)
        .sort();
    const [fa, fb] = [final(a), final(b)];
    expect(fa.length).toBe(fb.length);
    expect(fa.filter((x, i) => x !== fb[i]).slice(0, 10)).toEqual([]);
  });

  it('gives the totals, a report and a cut-over verdict through the CLI, and the metrics', async () => {
    const e = scenario.expected;
    const status = await cli(['status', 'orders-recon', '--json']);
    if (status.code !== 0) throw new Error(describeRun('reconcile status', status));
    expect(JSON.parse(status.stdout)).toMatchObject({
      pending: 0,
      matched: e.matched,
      missingRight: e.missingRight,
      missingLeft: e.missingLeft,
      fieldMismatch: e.fieldMismatch,
      duplicate: e.duplicate,
    });
    const bad = e.missingRight + e.missingLeft + e.fieldMismatch;
    const rate = bad / (bad + e.matched);
    const pass = await cli(['verdict', 'orders-recon', '--max-mismatch-rate', String(rate + 1e-9)]);
    expect([pass.code, pass.stdout]).toEqual([0, expect.stringMatching(/^PASS/)]);
    const fail = await cli(['verdict', 'orders-recon', '--max-mismatch-rate', String(rate * 0.9)]);
    expect([fail.code, fail.stdout]).toEqual([1, expect.stringMatching(/^FAIL/)]);

    const md = await cli(['report', 'orders-recon', '--format', 'md']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('customer.email');
    expect(md.stdout).toContain(String(e.fieldMismatch));
    const html = join(dir, 'report.html');
    expect((await cli(['report', 'orders-recon', '--format', 'html', '--output', html])).code).toBe(0);
    expect(readFileSync(html, 'utf8')).toMatch(/<html[\s\S]*customer\.email/);

    const metrics = await http('GET', `${subject.url}/metrics`);
    const line = metrics.text
      .split('\n')
      .find((l) => /^tributary_reconcile_results\{.*result="matched"/.test(l));
    expect(line).toMatch(/connector="orders-recon"/);
    expect(line?.split(' ').pop()).toBe(String(e.matched));
  });
});
