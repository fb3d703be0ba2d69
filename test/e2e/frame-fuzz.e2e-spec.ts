import fc from 'fast-check';
import { ApiKey, ErrorCode } from '@tributary/protocol';
import { RawKafkaClient, decodeApiVersionsV0, startBroker, type BrokerHandle } from '@tributary/testing';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;
const SEED = 20240611;

/**
 * Random bytes at a live broker (fixed seed, so failures replay): pure noise, and well-framed requests with a real
 * header and a random body that drive the per-API decoders. After every input the broker must still answer a
 * fresh connection, and its memory must stay bounded.
 */
describe('broker: frame fuzzing', () => {
  let broker: BrokerHandle;
  let rssStart: number | null = null;

  beforeAll(async () => {
    broker = await startBroker({ config: { 'auto.create.topics.enable': false } });
    rssStart = broker.rssBytes();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  async function sendAndHangUp(bytes: Uint8Array): Promise<void> {
    const c = await RawKafkaClient.connect(broker.port);
    c.sendRaw(Buffer.from(bytes));
    c.end();
    await c.waitClosed(300);
    c.destroy();
  }

  async function expectAlive(): Promise<void> {
    const c = await RawKafkaClient.connect(broker.port);
    try {
      const res = decodeApiVersionsV0(
        await c.request(ApiKey.ApiVersions, 0, Buffer.alloc(0), 'fuzz-probe', 5000),
      );
      expect(res.errorCode).toBe(ErrorCode.NONE);
    } finally {
      c.destroy();
    }
  }

  const knownKeys = Object.values(ApiKey).filter((v): v is number => typeof v === 'number');

  /** size prefix + header v1 (known key, small version, client id) + random body. */
  const framedRequest = fc
    .record({
      apiKey: fc.oneof(fc.constantFrom(...knownKeys), fc.integer({ min: -1, max: 70 })),
      version: fc.integer({ min: -1, max: 12 }),
      correlationId: fc.integer(),
      clientId: fc.oneof(fc.constant(null), fc.string({ maxLength: 20 })),
      body: fc.uint8Array({ maxLength: 200 }),
    })
    .map(({ apiKey, version, correlationId, clientId, body }) => {
      const id = clientId === null ? null : Buffer.from(clientId, 'utf8');
      const header = Buffer.alloc(10);
      header.writeInt16BE(apiKey, 0);
      header.writeInt16BE(version, 2);
      header.writeInt32BE(correlationId, 4);
      header.writeInt16BE(id === null ? -1 : id.length, 8);
      const payload = Buffer.concat([header, id ?? Buffer.alloc(0), Buffer.from(body)]);
      const size = Buffer.alloc(4);
      size.writeInt32BE(payload.length, 0);
      return new Uint8Array(Buffer.concat([size, payload]));
    });

  it('survives random byte streams', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        await sendAndHangUp(bytes);
        await expectAlive();
      }),
      { seed: SEED, numRuns: 120 },
    );
  });

  it('survives well-framed requests with random bodies', async () => {
    await fc.assert(
      fc.asyncProperty(framedRequest, async (bytes) => {
        await sendAndHangUp(bytes);
        await expectAlive();
      }),
      { seed: SEED, numRuns: 250 },
    );
  });

  it('keeps memory bounded after the fuzzing', async () => {
    await expectAlive();
    const rssEnd = broker.rssBytes();
    expect(rssEnd).not.toBeNull();
    if (rssStart !== null && rssEnd !== null) expect(rssEnd - rssStart).toBeLessThan(256 * MiB);
  });
});
