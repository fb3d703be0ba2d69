/**
 * What replication costs: a coordinator and three brokers on loopback, a topic with replication factor 3 and
 * min.insync.replicas=2, kcat (librdkafka) producing to one partition with acks=1 and with acks=all, then
 * consuming from the leader. acks=all answers once every ISR member fetched the batch, so the gap between the
 * two rows is the follower fetch round trip. Not a test: prints min / median / max over REPEATS runs.
 *   npm run bench:replication      (BENCH_RECORDS, BENCH_REPEATS, BENCH_SIZES=100,1024 to change)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startCluster } from '@tributary/testing';
import { fail, kcat, kcatConsumeAll, producerConf, row, writePayload, type Sample } from './bench-tools';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 500_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? '100,1024').split(',').map(Number);

async function main(): Promise<void> {
  const cluster = await startCluster({ brokers: 3 });
  const kafka = new Kafka({ clientId: 'bench', brokers: cluster.bootstrap, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const work = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  const rows: string[] = [];
  const bootstrap = cluster.bootstrap.join(',');
  try {
    for (const size of SIZES) {
      const payload = join(work, `payload-${size}`);
      await writePayload(payload, size, RECORDS);
      for (const acks of ['1', 'all'] as const) {
        const produce: Sample[] = [];
        const consume: Sample[] = [];
        for (let r = 0; r < REPEATS; r++) {
          const topic = `bench-${size}-acks${acks}-${r}`;
          await admin.createTopics({
            topics: [
              {
                topic,
                numPartitions: 1,
                replicationFactor: 3,
                configEntries: [{ name: 'min.insync.replicas', value: '2' }],
              },
            ],
            waitForLeaders: true,
          });
          const p = await kcat(
            ['-b', bootstrap, '-P', '-t', topic, '-p', '0', ...producerConf(acks)],
            payload,
          );
          produce.push({ seconds: p.seconds, records: RECORDS, bytes: RECORDS * size });
          const seconds = await kcatConsumeAll(bootstrap, topic, RECORDS);
          consume.push({ seconds, records: RECORDS, bytes: RECORDS * size });
        }
        rows.push(
          row(`produce acks=${acks}`, size, produce),
          row(`consume (acks=${acks} topic)`, size, consume),
        );
      }
      rmSync(payload);
    }
  } finally {
    await admin.disconnect();
    await cluster.dispose();
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(
    `\nkcat -> 3-broker Tributary cluster, RF=3, ${RECORDS} records per run, ${REPEATS} runs, min / median / max\n` +
      '| direction | record | records/s | payload/s |\n|---|---|---|---|\n' +
      rows.join('\n') +
      '\n',
  );
}

main().catch(fail);
