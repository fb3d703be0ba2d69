import { interpolate } from './interpolate';

describe('interpolate', () => {
  const env = { HOST: 'kafka', PORT: '9092', EMPTY: '' };

  it('expands variables, defaults and escapes', () => {
    expect(interpolate('${HOST}:${PORT}', env)).toEqual({ ok: true, value: 'kafka:9092' });
    expect(interpolate('${MISSING:-localhost}:${PORT:-1}', env)).toEqual({
      ok: true,
      value: 'localhost:9092',
    });
    expect(interpolate('${EMPTY:-fallback}', env)).toEqual({ ok: true, value: 'fallback' });
    expect(interpolate('${MISSING:-}', env)).toEqual({ ok: true, value: '' });
    expect(interpolate('cost $5, $${HOST} stays', env)).toEqual({
      ok: true,
      value: 'cost $5, ${HOST} stays',
    });
    expect(interpolate('no references', env)).toEqual({ ok: true, value: 'no references' });
  });

  it('names a missing variable and how to fix it', () => {
    const r = interpolate('${HOST}/${DATA_DIR}', env);
    expect(r).toEqual({
      ok: false,
      message:
        'environment variable DATA_DIR is not set; set it (export DATA_DIR=...) or give a default: ${DATA_DIR:-value}',
    });
    expect(interpolate('${EMPTY}', env).ok).toBe(false);
  });

  it('rejects malformed references', () => {
    expect(interpolate('${HOST', env)).toMatchObject({
      ok: false,
      message: expect.stringContaining('unclosed'),
    });
    expect(interpolate('${9X}', env)).toMatchObject({
      ok: false,
      message: expect.stringContaining('not a variable reference'),
    });
  });
});
