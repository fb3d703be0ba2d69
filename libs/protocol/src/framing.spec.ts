import { FrameSplitter, FrameTooLargeError, InvalidFrameSizeError, type FrameBufferSource } from './framing';

function frame(body: string): Buffer {
  const b = Buffer.from(body);
  const out = Buffer.alloc(4 + b.length);
  out.writeInt32BE(b.length, 0);
  b.copy(out, 4);
  return out;
}

/** Feeds `stream` cut at `cuts` and returns each frame's text and whether it was assembled. */
function split(stream: Buffer, cuts: number[], source: FrameBufferSource | null = null) {
  const s = new FrameSplitter(1 << 20, source);
  const out: { text: string; assembled: Buffer | null }[] = [];
  let at = 0;
  for (const c of [...cuts, stream.length]) {
    s.push(stream.subarray(at, c), (f, assembled) => out.push({ text: f.toString(), assembled }));
    at = c;
  }
  return { frames: out, pending: s.pendingBytes };
}

describe('FrameSplitter', () => {
  const stream = Buffer.concat([frame('hello'), frame('kafka wire'), frame('x')]);

  it('yields the same frames however the stream is cut', () => {
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const { frames, pending } = split(stream, [a, b]);
        expect(frames.map((f) => f.text)).toEqual(['hello', 'kafka wire', 'x']);
        expect(pending).toBe(0);
      }
    }
  });

  it('hands out a view when a frame is inside one chunk and copies only frames that span chunks', () => {
    const whole = split(stream, []);
    expect(whole.frames.every((f) => f.assembled === null)).toBe(true);
    const cut = split(stream, [6]); // inside "hello"
    expect(cut.frames[0]!.assembled).not.toBeNull();
    expect(cut.frames.slice(1).every((f) => f.assembled === null)).toBe(true);
  });

  it('assembles spanning frames in buffers from the source, which may be longer than the frame', () => {
    const given: Buffer[] = [];
    const source: FrameBufferSource = {
      acquire: (size) => {
        const b = Buffer.alloc(size + 100, 0xee);
        given.push(b);
        return b;
      },
    };
    const { frames } = split(stream, [6, 16], source); // both cuts inside a body
    expect(frames.map((f) => f.text)).toEqual(['hello', 'kafka wire', 'x']);
    expect(given).toHaveLength(2);
    expect(frames[0]!.assembled).toBe(given[0]);
    expect(frames[1]!.assembled).toBe(given[1]);
  });

  it('keeps the bytes after a frame for the next one', () => {
    const s = new FrameSplitter(1 << 20);
    const got: string[] = [];
    s.push(stream.subarray(0, 11), (f) => got.push(f.toString()));
    expect(got).toEqual(['hello']);
    expect(s.pendingBytes).toBe(2);
    s.push(stream.subarray(11), (f) => got.push(f.toString()));
    expect(got).toEqual(['hello', 'kafka wire', 'x']);
  });

  it('refuses a declared size over the limit before buffering it, and a size that is not positive', () => {
    const s = new FrameSplitter(16);
    const big = Buffer.alloc(4);
    big.writeInt32BE(17, 0);
    expect(() => s.push(big, () => undefined)).toThrow(FrameTooLargeError);
    const zero = Buffer.alloc(4);
    expect(() => new FrameSplitter(16).push(zero, () => undefined)).toThrow(InvalidFrameSizeError);
  });

  it('reads a size prefix that itself arrives in pieces', () => {
    const s = new FrameSplitter(1 << 20);
    const got: string[] = [];
    for (const byte of frame('ab')) s.push(Buffer.from([byte]), (f) => got.push(f.toString()));
    expect(got).toEqual(['ab']);
  });
});
