import { ApiVersionsResponse } from '../messages/18-api-versions';
import { Reader } from '../primitives/reader';
import { Writer } from '../primitives/writer';

describe('schema codec', () => {
  it('encodes ApiVersions v0 without throttle and v1 with it', () => {
    const value = {
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }],
      throttleTimeMs: 7,
    };
    const w0 = new Writer();
    ApiVersionsResponse.encode(w0, 0, value);
    expect(w0.toBuffer().toString('hex')).toBe('0000' + '00000001' + '0012' + '0000' + '0002');
    const w1 = new Writer();
    ApiVersionsResponse.encode(w1, 1, value);
    const b1 = w1.toBuffer();
    expect(b1.toString('hex')).toBe('0000000000010012000000020000' + '0007');
    expect(ApiVersionsResponse.decode(new Reader(b1), 1)).toEqual(value);
    expect(ApiVersionsResponse.decode(new Reader(w0.toBuffer()), 0)).toEqual({ ...value, throttleTimeMs: 0 });
  });
});

// Compile-time check that interfaces are inferred from the tables.
const typed: import('../messages/18-api-versions').ApiVersionsResponse = {
  errorCode: 0,
  apiKeys: [{ apiKey: 1, minVersion: 0, maxVersion: 1 }],
  throttleTimeMs: 0,
};
void typed;
