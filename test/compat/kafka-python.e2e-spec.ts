import { startBroker, type BrokerHandle } from '@tributary/testing';
import { ALL_CODECS, PARTITIONS, expectExactRoundTrip, makeMessages, topicName } from './compat-messages';
import { expectSequentialAcks, pyConsume, pyProduce } from './python-client';

jest.setTimeout(60_000);

const DRIVER = 'kafka_python_client.py';

describe('compat: python3-kafka (kafka-python)', () => {
  let broker: BrokerHandle;

  beforeAll(async () => {
    broker = await startBroker({ config: { 'auto.create.topics.enable': true, 'num.partitions': 3 } });
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  it.each(ALL_CODECS)('round-trips keyed messages with headers across 3 partitions with compression %s', async (codec) => {
    const topic = topicName('kafka-python-' + codec);
    const sent = makeMessages('kafka-python', codec);
    const acks = await pyProduce(DRIVER, { bootstrap: broker.bootstrap, topic, codec, acks: 'all', messages: sent });
    expectSequentialAcks(sent, acks);
    const got = await pyConsume(DRIVER, { bootstrap: broker.bootstrap, topic, partitions: PARTITIONS });
    expectExactRoundTrip(sent, got);
  });

  it('appends to the same partitions across producer sessions', async () => {
    const topic = topicName('kafka-python-append');
    const first = makeMessages('kafka-python-a', 'none', 2);
    const second = makeMessages('kafka-python-b', 'gzip', 2);
    await pyProduce(DRIVER, { bootstrap: broker.bootstrap, topic, codec: 'none', messages: first });
    const acks = await pyProduce(DRIVER, { bootstrap: broker.bootstrap, topic, codec: 'gzip', messages: second });
    // Each partition already holds two messages, so the second session's acks continue at offset 2.
    expect(acks).toEqual(second.map((m) => ({ partition: m.partition, offset: 2 + second.filter((x) => x.partition === m.partition).indexOf(m) })));
    const got = await pyConsume(DRIVER, { bootstrap: broker.bootstrap, topic, partitions: PARTITIONS });
    const sent = PARTITIONS.flatMap((p) => [...first, ...second].filter((m) => m.partition === p));
    expectExactRoundTrip(sent, got);
  });
});
