import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker, type BrokerHandle } from '@tributary/testing';
import { kcat, kcatConsumeAll, producerConf, writePayload } from '../bench-tools';
import type { Measurement, Scenario } from '../harness/measurement';

const SIZE = 1024;
const SMALL_MB = 50;
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 5120);

/** Peak RSS of a process, sampled every 100 ms until the returned function is called. */
function rssPeak(broker: BrokerHandle): () => number {
  let max = broker.rssBytes() ?? 0;
  const t = setInterval(() => (max = Math.max(max, broker.rssBytes() ?? 0)), 100);
  return () => {
    clearInterval(t);
    return Math.max(max, broker.rssBytes() ?? 0) / 1048576;
  };
}

/**
 * Does the broker's memory grow with the data it holds? A topic of 50 MB and one of BENCH_BIG_MB (default 5 GB)
 * of 1 KiB records are written, the broker is restarted (so what producing left in memory does not count), and
 * the whole topic is read back with kcat: the peak RSS while serving each is reported. Also the peak RSS while
 * producing. One partition, so a single log of that size is served.
 */
export const rssVsDataScenario: Scenario = async (opts) => {
  const out: Measurement[] = [];
  for (const mb of [SMALL_MB, BIG_MB]) {
    const records = Math.floor((mb * 1048576) / SIZE);
    const payload = join(opts.work, `payload-${mb}`);
    await writePayload(payload, SIZE, records);
    const broker = await startBroker({ dataDir: join(opts.work, `data-${mb}`) });
    try {
      const topic = `rss-${mb}`;
      let peak = rssPeak(broker);
      await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', ...producerConf('1')], payload);
      const producing = peak();
      rmSync(payload);
      await broker.restart();
      peak = rssPeak(broker);
      const seconds = await kcatConsumeAll(broker.bootstrap, topic, records);
      const serving = peak();
      opts.log(
        `memory: ${mb} MB topic: peak RSS ${producing.toFixed(0)} MB producing, ${serving.toFixed(0)} MB serving`,
      );
      const common = { system: 'tributary' as const, client: 'kcat', size: SIZE, metric: 'MB/s' as const };
      out.push({
        ...common,
        scenario: `serve a ${mb >= 1024 ? `${(mb / 1024).toFixed(0)} GB` : `${mb} MB`} topic`,
        samples: [(records * SIZE) / 1048576 / seconds],
        rssMb: [serving],
        note: `broker restarted after producing; RSS is the peak while kcat read the whole partition (${Math.round(producing)} MB while producing it)`,
      });
    } finally {
      await broker.dispose();
    }
  }
  return out;
};
