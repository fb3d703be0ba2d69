import { Reader } from '../primitives/reader';
import { Writer } from '../primitives/writer';
import type { Fields } from '../schema/fields';
import { project } from './arbitrary-message.test-helper';
import { kafkajsApi, kafkajsVersions } from './kafkajs-protocol.test-helper';
import { WIRE_CASES, type WireCase } from './wire-cases.test-helper';
import { readFixture, UPDATE_FIXTURES, writeFixture } from './wire-fixtures.test-helper';

// Golden bytes against a real client: requests are the bytes kafkajs puts on the wire (committed as fixtures,
// and re-checked against live kafkajs so drift in either side shows up); responses are our bytes, which kafkajs
// must read back to the same values.

function encodeOurs(def: WireCase['request'], version: number, value: unknown): Buffer {
  const w = new Writer();
  def.encode(w, version, value as never);
  return w.toBuffer();
}

function served(c: WireCase): number[] {
  return kafkajsVersions(c.kafkajs).filter((v) => v >= c.request.versions.min && v <= c.request.versions.max);
}

describe.each(WIRE_CASES.map((c) => [c.api, c] as const))('%s golden bytes (kafkajs)', (_api, c) => {
  const versions = served(c);

  it.each(versions)(
    'v%i request: kafkajs bytes decode to the expected value and re-encode identically',
    async (v) => {
      const { request } = kafkajsApi(c.kafkajs).protocol({ version: v })(c.kafkajsArgs);
      expect(request.apiVersion).toBe(v);
      const live = (await request.encode()).buffer;
      if (UPDATE_FIXTURES)
        writeFixture(c.api, v, 'request', live, `kafkajs ${c.kafkajs} v${v} request body (after header)`);
      const fixture = readFixture(c.api, v, 'request');
      expect(live.toString('hex')).toBe(fixture.toString('hex'));

      const r = new Reader(fixture);
      const decoded = c.request.decode(r, v);
      expect(r.remaining).toBe(0);
      expect(decoded).toEqual(
        project(c.request.fields as Fields, v, c.requestValue(v) as Record<string, unknown>),
      );
      c.checkRequest?.(decoded, v);
      expect(encodeOurs(c.request, v, decoded).toString('hex')).toBe(fixture.toString('hex'));
    },
  );

  it.each(versions)('v%i response: our bytes match the fixture and kafkajs reads them back', async (v) => {
    const value = project(c.response.fields as Fields, v, c.responseValue as Record<string, unknown>);
    const ours = encodeOurs(c.response, v, value);
    if (UPDATE_FIXTURES)
      writeFixture(c.api, v, 'response', ours, `our ${c.response.name} v${v} body, read by kafkajs`);
    const fixture = readFixture(c.api, v, 'response');
    expect(ours.toString('hex')).toBe(fixture.toString('hex'));

    const r = new Reader(fixture);
    expect(c.response.decode(r, v)).toEqual(value);
    expect(r.remaining).toBe(0);

    const { response } = kafkajsApi(c.kafkajs).protocol({ version: v })(c.kafkajsArgs);
    const decoded = await response.decode(fixture);
    expect(decoded).toMatchObject(c.kafkajsResponse(value as never, v) as object);
    if (response.parse) await expect(response.parse(decoded)).resolves.toBeDefined();
  });
});
