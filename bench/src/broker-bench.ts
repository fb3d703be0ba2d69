/**
 * Produce and consume throughput of one broker with kcat (librdkafka) as the client, 100-byte and 1 KiB
 * records, acks=1, batching on. Not a test: prints a table of min/median/max over REPEATS runs.
 *   npm run bench:broker            (BENCH_RECORDS, BENCH_REPEATS, BENCH_SIZES=100,1024 to change)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '@tributary/testing';
import { fail, kcat, producerConf, row, writePayload, type Sample } from './bench-tools';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? '100,1024').split(',').map(Number);
const PRODUCER_CONF = producerConf('1');

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  const broker = await startBroker({ dataDir: join(work, 'data') });
  const rows: string[] = [];
  try {
    for (const size of SIZES) {
      const payload = join(work, `payload-${size}`);
      await writePayload(payload, size, RECORDS);
      const produce: Sample[] = [];
      const consume: Sample[] = [];
      for (let r = 0; r < REPEATS; r++) {
        const topic = `bench-${size}-${r}`;
        const p = await kcat(
          ['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', ...PRODUCER_CONF],
          payload,
        );
        produce.push({ seconds: p.seconds, records: RECORDS, bytes: RECORDS * size });
        const c = await kcat([
          '-b',
          broker.bootstrap,
          '-C',
          '-t',
          topic,
          '-p',
          '0',
          '-o',
          'beginning',
          '-e',
          '-q',
          '-f',
          '%s\n',
          '-X',
          'fetch.max.bytes=52428800',
          '-X',
          'queued.min.messages=1000000',
        ]);
        if (c.stdoutBytes !== RECORDS * (size + 1))
          throw new Error(`consumed ${c.stdoutBytes} bytes, expected ${RECORDS * (size + 1)}`);
        consume.push({ seconds: c.seconds, records: RECORDS, bytes: RECORDS * size });
      }
      rows.push(row('produce', size, produce), row('consume', size, consume));
      rmSync(payload);
    }
  } finally {
    await broker.stop();
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(
    `\nkcat -> Tributary, ${RECORDS} records per run, ${REPEATS} runs, min / median / max (process start included)\n` +
      '| direction | record | records/s | payload/s |\n|---|---|---|---|\n' +
      rows.join('\n') +
      '\n',
  );
}

main().catch(fail);
