/**
 * Tributary produce / consume throughput, one partition, kcat (librdkafka, the fastest client here) and kafkajs
 * (the connect worker's client): a single broker for acks=1, acks=all with fsync-before-ack and consume, then a
 * 3-broker cluster for acks=all with RF=3. Each run writes a fresh topic; the broker's peak RSS goes with it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker, startCluster } from '@tributary/testing';
import { kcat, kcatConsumeAll, producerConf, settleDisk, writePayload } from '../bench-tools';
import type { Scenario, ScenarioOptions } from '../harness/measurement';
import { Cells, type Cell } from './cells';
import { KAFKAJS_BATCH, KAFKAJS_IN_FLIGHT, kafkajsConsume, kafkajsProduce } from './kafkajs-runs';
import { trackPeakRss } from './rss';
import { BenchTopics } from './topics';

/** kafkajs encodes ~90k msgs/s at best (perf.md section 3): more records would only lengthen the run. */
const KAFKAJS_MAX_RECORDS = 200_000;
/** Stated explicitly (it is the default) so the "acks=all fsync" rows keep meaning what they say. */
export const FLUSH_SETTING = { 'log.flush.before.ack': 'acks-all' } as const;
export const FSYNC_NOTE =
  'broker log.flush.before.ack=acks-all (the default): an acks=all Produce is answered after a group-committed fdatasync of its batch';

const KCAT_PRODUCE = 'kcat -P to partition 0, linger.ms=5, batch.num.messages=10000, batch.size=1 MB';
const KCAT_WALL = 'wall time incl. kcat start';
const NOTES = {
  kcatAcks1: `${KCAT_PRODUCE}, acks=1; ${KCAT_WALL}`,
  kcatFsync: `${KCAT_PRODUCE}, acks=all, single broker; ${FSYNC_NOTE}; ${KCAT_WALL}`,
  kcatRf3:
    `${KCAT_PRODUCE}, acks=all; coordinator + 3 brokers on this machine, topic RF=3 min.insync.replicas=2; the ` +
    `leader's fsync (log.flush.before.ack=acks-all) runs in parallel with the ISR wait; rssMb is the largest broker; ${KCAT_WALL}`,
  kcatConsume: `kcat -C partition 0 of the acks=1 topic from the beginning to the end, printing one byte per record (-f '.'), fetch.max.bytes=50 MiB, queued.max.messages.kbytes=2 GB (the 64 MiB default stalls fetching while kcat writes out), fetch.wait.max.ms=10 (the final empty fetch would otherwise idle 500 ms), page cache hot; ${KCAT_WALL}`,
  kafkajsProduce: (n: number): string =>
    `kafkajs 2.2.4 sendBatch of ${KAFKAJS_BATCH} messages per request, ${KAFKAJS_IN_FLIGHT} requests in flight, acks=1, ` +
    `not idempotent, no compression; ${n} records per run (fewer: kafkajs is client-bound); first send to last ack`,
  kafkajsConsume: (n: number): string =>
    `kafkajs 2.2.4 consumer group, eachBatch, maxBytesPerPartition 10 MiB, no commits; ${n} records per run; ` +
    'timed from group join to the last record (the 3 s initial rebalance delay is not counted)',
};

interface Plan {
  opts: ScenarioOptions;
  records: number;
  kafkajsRecords: number;
  payloads: Map<number, string>;
  cells: Cells;
}

async function kcatProduce(
  bootstrap: string,
  topic: string,
  payload: string,
  acks: '1' | 'all',
): Promise<number> {
  return (await kcat(['-b', bootstrap, '-P', '-t', topic, '-p', '0', ...producerConf(acks)], payload))
    .seconds;
}

/** A produce run is checked against the log, so a lost write cannot pass as speed. */
async function expectCount(topics: BenchTopics, topic: string, records: number): Promise<void> {
  const n = await topics.count(topic);
  if (n !== records)
    throw new Error(`${topic} holds ${n} records after the produce run, expected ${records}`);
}

/** One run (`run` returns its seconds) with the peak RSS of `pids` tracked, recorded as a throughput sample. */
async function timed(
  plan: Plan,
  pids: number[],
  cell: Cell & { size: number },
  records: number,
  run: () => Promise<number>,
): Promise<number> {
  await settleDisk();
  const peak = trackPeakRss(pids);
  let rssMb = 0;
  const seconds = await run().finally(() => (rssMb = peak()));
  plan.cells.addThroughput(cell, records, seconds, rssMb);
  return seconds;
}

async function singleBroker(plan: Plan): Promise<void> {
  const { opts, records, kafkajsRecords: jsRecords } = plan;
  const dataDir = join(opts.work, 'tributary-broker');
  const broker = await startBroker({ dataDir, config: { ...FLUSH_SETTING } });
  let topics: BenchTopics | null = null;
  try {
    const t = (topics = await BenchTopics.connect([broker.bootstrap]));
    const bootstrap = broker.bootstrap;
    const pids = [broker.pid];
    for (const size of opts.sizes) {
      const payload = plan.payloads.get(size)!;
      for (let r = 0; r < opts.repeats; r++) {
        const run = `${size} B run ${r + 1}/${opts.repeats}`;
        const acks1 = `tp-${size}-${r}-acks1`;
        await t.create(acks1);
        const p1 = await timed(
          plan,
          pids,
          { scenario: 'produce acks=1', client: 'kcat', size, note: NOTES.kcatAcks1 },
          records,
          async () => {
            const s = await kcatProduce(bootstrap, acks1, payload, '1');
            await expectCount(t, acks1, records);
            return s;
          },
        );
        const c1 = await timed(
          plan,
          pids,
          { scenario: 'consume', client: 'kcat', size, note: NOTES.kcatConsume },
          records,
          () => kcatConsumeAll(bootstrap, acks1, records),
        );
        await t.remove(acks1, opts.log);

        const fsync = `tp-${size}-${r}-acksall`;
        await t.create(fsync);
        const cell = { scenario: 'produce acks=all fsync', client: 'kcat', size, note: NOTES.kcatFsync };
        const p2 = await timed(plan, pids, cell, records, async () => {
          const s = await kcatProduce(bootstrap, fsync, payload, 'all');
          await expectCount(t, fsync, records);
          return s;
        });
        await t.remove(fsync, opts.log);
        opts.log(
          `kcat ${run}: acks=1 ${rate(records, p1)}, acks=all fsync ${rate(records, p2)}, consume ${rate(records, c1)}`,
        );

        const js = `tp-${size}-${r}-kafkajs`;
        await t.create(js);
        const jsProduce = {
          scenario: 'produce acks=1',
          client: 'kafkajs',
          size,
          note: NOTES.kafkajsProduce(jsRecords),
        };
        const p3 = await timed(plan, pids, jsProduce, jsRecords, async () => {
          const s = await kafkajsProduce([bootstrap], js, jsRecords, size);
          await expectCount(t, js, jsRecords);
          return s;
        });
        const jsConsume = {
          scenario: 'consume',
          client: 'kafkajs',
          size,
          note: NOTES.kafkajsConsume(jsRecords),
        };
        const c3 = await timed(plan, pids, jsConsume, jsRecords, () =>
          kafkajsConsume([bootstrap], js, jsRecords, size),
        );
        await t.remove(js, opts.log);
        opts.log(`kafkajs ${run}: acks=1 ${rate(jsRecords, p3)}, consume ${rate(jsRecords, c3)}`);
      }
    }
  } finally {
    await topics?.close();
    await broker.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function replicated(plan: Plan): Promise<void> {
  const { opts, records } = plan;
  const dataDir = join(opts.work, 'tributary-cluster');
  const cluster = await startCluster({ brokers: 3, brokerConfig: { ...FLUSH_SETTING }, dataDir });
  let topics: BenchTopics | null = null;
  try {
    const t = (topics = await BenchTopics.connect(cluster.bootstrap));
    const bootstrap = cluster.bootstrap.join(',');
    const pids = cluster.brokers.map((b) => b.pid);
    for (const size of opts.sizes) {
      const payload = plan.payloads.get(size)!;
      for (let r = 0; r < opts.repeats; r++) {
        const topic = `tp-${size}-${r}-rf3`;
        await t.create(topic, { replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
        const cell = { scenario: 'produce acks=all RF=3', client: 'kcat', size, note: NOTES.kcatRf3 };
        const s = await timed(plan, pids, cell, records, async () => {
          const seconds = await kcatProduce(bootstrap, topic, payload, 'all');
          await expectCount(t, topic, records);
          return seconds;
        });
        await t.remove(topic, opts.log);
        opts.log(`kcat ${size} B run ${r + 1}/${opts.repeats}: acks=all RF=3 ${rate(records, s)}`);
      }
    }
  } finally {
    await topics?.close();
    await cluster.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function rate(records: number, seconds: number): string {
  return `${Math.round(records / seconds / 1000)}k msgs/s`;
}

export const tributaryThroughputScenario: Scenario = async (opts) => {
  // writePayload writes whole chunks of 1000 records.
  const records = Math.max(1000, Math.round(opts.records / 1000) * 1000);
  const plan: Plan = {
    opts,
    records,
    kafkajsRecords: Math.min(records, KAFKAJS_MAX_RECORDS),
    payloads: new Map(),
    cells: new Cells(),
  };
  try {
    for (const size of opts.sizes) {
      const path = join(opts.work, `tributary-payload-${size}`);
      plan.payloads.set(size, path);
      await writePayload(path, size, records);
    }
    await singleBroker(plan);
    await replicated(plan);
  } finally {
    for (const path of plan.payloads.values()) rmSync(path, { force: true });
  }
  return plan.cells.measurements();
};
