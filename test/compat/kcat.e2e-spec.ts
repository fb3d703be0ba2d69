import { sleep, startBroker, type BrokerHandle, type HistoryMessage } from '@tributary/testing';
import {
  ALL_CODECS,
  PARTITIONS,
  expectExactRoundTrip,
  expectStoredCodec,
  makeMessages,
  topicName,
} from './compat-messages';
import { kcatConsumeAll, kcatProduce } from './kcat-client';

jest.setTimeout(60_000);

describe('compat: kcat (librdkafka)', () => {
  let broker: BrokerHandle;

  beforeAll(async () => {
    // Topics are auto-created by librdkafka's Metadata request with num.partitions partitions.
    broker = await startBroker({ config: { 'auto.create.topics.enable': true, 'num.partitions': 3 } });
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  it.each(ALL_CODECS)(
    'round-trips keyed messages with headers across 3 partitions with -z %s',
    async (codec) => {
      const topic = topicName(`kcat-${codec}`);
      const sent = makeMessages('kcat', codec);
      for (const p of PARTITIONS) {
        const here = sent.filter((m) => m.partition === p);
        await kcatProduce(
          { bootstrap: broker.bootstrap, topic, partition: p, codec, headers: here[0]!.headers! },
          here.map((m) => ({ key: m.key, value: m.value! })),
        );
      }
      const got = await kcatConsumeAll(broker.bootstrap, topic);
      await expectStoredCodec(broker.port, topic, codec);
      expectExactRoundTrip(sent, got);
    },
  );

  it.each(['0', '1', '-1'])('produces with acks=%s and every message is stored', async (acks) => {
    const topic = topicName(`kcat-acks${acks.replace('-', 'm')}`);
    const sent: HistoryMessage[] = [];
    for (const p of PARTITIONS) {
      const here = Array.from({ length: 5 }, (_, i) => ({
        partition: p,
        key: `a${acks}-p${p}-${i}`,
        value: `acks ${acks} #${i}`,
        headers: { acks },
      }));
      sent.push(...here);
      await kcatProduce({ bootstrap: broker.bootstrap, topic, partition: p, acks, headers: { acks } }, here);
    }
    // acks=0 returns once the bytes are written, so the broker may still be appending: read until all arrived.
    let got = await kcatConsumeAll(broker.bootstrap, topic);
    for (let i = 0; i < 20 && got.length < sent.length; i++) {
      await sleep(250);
      got = await kcatConsumeAll(broker.bootstrap, topic);
    }
    expectExactRoundTrip(sent, got);
  });

  it('reads a single partition with -p', async () => {
    const topic = topicName('kcat-one');
    await kcatProduce({ bootstrap: broker.bootstrap, topic, partition: 1, headers: { h: 'x' } }, [
      { key: 'a', value: 'first' },
      { key: null, value: 'no key' },
    ]);
    const got = await kcatConsumeAll(broker.bootstrap, topic, 1);
    expect(got.map((m) => [m.partition, m.offset, m.key, m.value, m.headers])).toEqual([
      [1, 0, 'a', 'first', { h: 'x' }],
      [1, 1, null, 'no key', { h: 'x' }],
    ]);
  });
});
