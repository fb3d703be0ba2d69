import { startBroker, type BrokerHandle } from '@tributary/testing';
import {
  ALL_CODECS,
  PARTITIONS,
  expectExactRoundTrip,
  expectStoredCodec,
  makeMessages,
  topicName,
} from './compat-messages';
import { expectSequentialAcks, pyConsume, pyProduce, type PyDriver } from './python-client';

/**
 * The black-box suite both Python clients run: every codec round trip across 3 partitions, and appends across
 * producer sessions. `driver` is the script in test/compat/py/ that speaks for the client.
 */
export function pythonClientSuite(title: string, driver: PyDriver, prefix: string): void {
  const DRIVER = driver;
  describe(title, () => {
    let broker: BrokerHandle;

    beforeAll(async () => {
      broker = await startBroker({ config: { 'auto.create.topics.enable': true, 'num.partitions': 3 } });
    });
    afterAll(async () => {
      await broker?.dispose();
    });

    it.each(ALL_CODECS)(
      'round-trips keyed messages with headers across 3 partitions with compression %s',
      async (codec) => {
        const topic = topicName(`${prefix}-${codec}`);
        const sent = makeMessages(prefix, codec);
        const acks = await pyProduce(DRIVER, {
          bootstrap: broker.bootstrap,
          topic,
          codec,
          acks: 'all',
          messages: sent,
        });
        expectSequentialAcks(sent, acks);
        const got = await pyConsume(DRIVER, { bootstrap: broker.bootstrap, topic, partitions: PARTITIONS });
        await expectStoredCodec(broker.port, topic, codec);
        expectExactRoundTrip(sent, got);
      },
    );

    it('appends to the same partitions across producer sessions', async () => {
      const topic = topicName(`${prefix}-append`);
      const first = makeMessages(`${prefix}-a`, 'none', 2);
      const second = makeMessages(`${prefix}-b`, 'gzip', 2);
      await pyProduce(DRIVER, { bootstrap: broker.bootstrap, topic, codec: 'none', messages: first });
      const acks = await pyProduce(DRIVER, {
        bootstrap: broker.bootstrap,
        topic,
        codec: 'gzip',
        messages: second,
      });
      // Each partition already holds two messages, so the second session's acks continue at offset 2.
      expect(acks).toEqual(
        second.map((m) => ({
          partition: m.partition,
          offset: 2 + second.filter((x) => x.partition === m.partition).indexOf(m),
        })),
      );
      const got = await pyConsume(DRIVER, { bootstrap: broker.bootstrap, topic, partitions: PARTITIONS });
      const sent = PARTITIONS.flatMap((p) => [...first, ...second].filter((m) => m.partition === p));
      expectExactRoundTrip(sent, got);
    });
  });
}
