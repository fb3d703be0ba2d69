import fc from 'fast-check';
import { ProtocolDecodeError } from '../primitives/decode-error';
import {
  cursorOf,
  readUnsignedVarint,
  readVarint,
  readVarlong,
  sizeOfUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong,
} from './varint';

// kafkajs's own encoder is an independent implementation to compare bytes against.
const KafkaJsEncoder = require('kafkajs/src/protocol/encoder') as new () => {
  writeVarInt(v: number): { buffer: Buffer };
  writeVarLong(v: number): { buffer: Buffer };
  writeUVarInt(v: number): { buffer: Buffer };
};

function encoded(write: (buf: Buffer, at: number, v: number) => number, v: number): Buffer {
  const buf = Buffer.alloc(16);
  return buf.subarray(0, write(buf, 0, v));
}

describe('varints', () => {
  it('encodes known values as the Kafka spec shows', () => {
    expect(encoded(writeVarint, 0).toString('hex')).toBe('00');
    expect(encoded(writeVarint, -1).toString('hex')).toBe('01');
    expect(encoded(writeVarint, 1).toString('hex')).toBe('02');
    expect(encoded(writeVarint, -64).toString('hex')).toBe('7f');
    expect(encoded(writeVarint, 64).toString('hex')).toBe('8001');
    expect(encoded(writeUnsignedVarint, 300).toString('hex')).toBe('ac02');
    expect(encoded(writeVarint, 2147483647).toString('hex')).toBe('feffffff0f');
    expect(encoded(writeVarint, -2147483648).toString('hex')).toBe('ffffffff0f');
    expect(encoded(writeVarlong, 1700000000000).toString('hex')).toBe(
      new KafkaJsEncoder().writeVarLong(1700000000000).buffer.toString('hex'),
    );
  });

  it('round-trips int32 varints and matches kafkajs bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), (v) => {
        const bytes = encoded(writeVarint, v);
        expect(bytes.equals(new KafkaJsEncoder().writeVarInt(v).buffer)).toBe(true);
        expect(bytes.length).toBe(sizeOfVarint(v));
        const c = cursorOf(bytes);
        expect(readVarint(c)).toBe(v);
        expect(c.pos).toBe(bytes.length);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('round-trips unsigned varints', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v) => {
        const bytes = encoded(writeUnsignedVarint, v);
        expect(bytes.length).toBe(sizeOfUnsignedVarint(v));
        expect(readUnsignedVarint(cursorOf(bytes))).toBe(v);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('round-trips varlongs across the exact JS range and matches kafkajs bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (v) => {
        const bytes = encoded(writeVarlong, v);
        expect(bytes.equals(new KafkaJsEncoder().writeVarLong(v).buffer)).toBe(true);
        expect(bytes.length).toBe(sizeOfVarlong(v));
        expect(readVarlong(cursorOf(bytes))).toBe(v);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('reads the extreme 10-byte varlongs approximately, with the right sign', () => {
    const min = Buffer.from('ffffffffffffffffff01', 'hex'); // zig-zag of -2^63
    expect(readVarlong(cursorOf(min))).toBe(-(2 ** 63));
    const max = Buffer.from('feffffffffffffffff01', 'hex'); // zig-zag of 2^63-1
    expect(readVarlong(cursorOf(max))).toBe(2 ** 63);
  });

  it('throws ProtocolDecodeError on truncated input', () => {
    expect(() => readVarint(cursorOf(Buffer.from('80', 'hex')))).toThrow(ProtocolDecodeError);
    expect(() => readVarlong(cursorOf(Buffer.from('ffff', 'hex')))).toThrow(ProtocolDecodeError);
    expect(() => readUnsignedVarint(cursorOf(Buffer.alloc(0)))).toThrow(/truncated/);
    // The cursor's end, not the buffer's, is the limit.
    expect(() => readVarint(cursorOf(Buffer.from('8001', 'hex'), 0, 1))).toThrow(ProtocolDecodeError);
  });

  it('throws on varints longer than 5 bytes and varlongs longer than 10', () => {
    expect(() => readVarint(cursorOf(Buffer.from('ffffffffff01', 'hex')))).toThrow(/longer than 5 bytes/);
    expect(() => readVarlong(cursorOf(Buffer.from('ffffffffffffffffffff01', 'hex')))).toThrow(
      /longer than 10 bytes/,
    );
  });
});
