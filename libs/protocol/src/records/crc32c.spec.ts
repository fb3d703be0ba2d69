import { crc32c } from './crc32c';

describe('crc32c', () => {
  it('gives the CRC-32C check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('returns an unsigned 32-bit number', () => {
    const values = ['', 'a', 'kafka', '\u00ff\u00fe'].map((s) => crc32c(Buffer.from(s, 'latin1')));
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(2 ** 32);
    }
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });
});
